"""Patients talking to the public entry point, each from an address of its own if asked
(the whole 127.0.0.0/8 block is this machine, so 127.0.3.7 is a patient at another address)."""

from __future__ import annotations

import http.client
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

WEBHOOK = "/webhooks/rest/webhook"


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def customs(self) -> list[dict[str, Any]]:
        if not isinstance(self.body, list):
            return []
        return [m["custom"] for m in self.body if isinstance(m, dict) and "custom" in m]

    @property
    def text(self) -> str:
        if not isinstance(self.body, list):
            return ""
        return " ".join(m.get("text", "") for m in self.body if isinstance(m, dict))

    @property
    def error(self) -> str:
        return next((c["error"] for c in self.customs if c.get("error")), "")

    @property
    def answered(self) -> bool:
        """A real answer: a reply with the contract and no error."""
        return self.status == 200 and bool(self.customs) and not self.error


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None, address: str = "127.0.0.1",
            timeout: float = 90) -> Reply:  # fmt: skip
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                            source_address=(address, 0))  # fmt: skip
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Reply(response.status, parsed, {k.lower(): v for k, v in response.getheaders()})


@dataclass
class Patient:
    port: int
    sender: str
    address: str = "127.0.0.1"
    sent: list[str] = field(default_factory=list)

    def say(self, text: str, message_id: str | None = None, **extra: Any) -> Reply:
        """Send a message the way the widget does: with an id of its own."""
        message_id = message_id or uuid.uuid4().hex
        if message_id not in self.sent:
            self.sent.append(message_id)
        body = {"sender": self.sender, "message": text, "message_id": message_id, **extra}
        return self.post(json.dumps(body).encode())

    def post(self, body: bytes, headers: dict[str, str] | None = None) -> Reply:
        return request(self.port, "POST", WEBHOOK, body,
                       {"Content-Type": "application/json", **(headers or {})},
                       self.address)  # fmt: skip
