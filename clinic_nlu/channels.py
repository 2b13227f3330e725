"""The REST channel patients use, hardened: ``credentials.yml`` names it instead of ``rest``.

Same URL and format as Rasa's REST channel (``POST /webhooks/rest/webhook`` with ``sender`` and
``message``), and:
- a request that is not a JSON object with a text ``sender`` and ``message`` gets 400 with a
  clear reply, never a server error;
- a message over the length limit gets 413 with a reply saying so;
- too many messages from one conversation or one address get 429 with a reply saying so;
- a message that carries an id (``message_id`` in the body, else nginx's ``X-Request-ID``)
  is handled once however often it arrives (``clinic_nlu.delivery``);
- a patient never gets silence: if the assistant produced no reply (the action server or a
  database is down), the reply says so and gives the clinic's and the emergency numbers.
Every reply carries the reply contract (``custom``).
"""

from __future__ import annotations

import logging
import os
import re
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic_common import replies
from clinic_common.text import normalise_message
from clinic_nlu import delivery, safe_parse, speedups
from clinic_nlu.limits import limiter

logger = logging.getLogger(__name__)
SENDER = re.compile(r"^[\w.:@-]{1,128}$")


def _clinic() -> dict[str, str]:
    return {
        "clinic_name": os.environ.get("CLINIC_NAME", "the breast clinic"),
        "team_phone": os.environ.get("CLINIC_TEAM_PHONE", "the number on your appointment letter"),
        "emergency_number": os.environ.get("CLINIC_EMERGENCY_NUMBER", "999"),
    }


def unavailable_reply() -> list[dict[str, Any]]:
    c = _clinic()
    return replies.unavailable_reply(c["clinic_name"], c["team_phone"], c["emergency_number"])


class SafeRestInput(RestInput):
    """Rasa's REST channel with input checks, limits and a reply whatever happens."""

    def __init__(self) -> None:
        # Behind a proxy every request comes from the proxy, which says who sent it (the last
        # X-Forwarded-For entry, the one it added). Set it only when Rasa is reachable through
        # the proxy alone.
        self.trust_proxy = os.environ.get("CLINIC_TRUST_PROXY", "") in ("1", "true", "yes")
        self.max_chars = int(os.environ.get("CLINIC_MAX_MESSAGE_CHARS", "2000"))
        self.per_conversation = limiter(
            "conversation", int(os.environ.get("CLINIC_RATE_PER_CONVERSATION", "30"))
        )
        self.per_address = limiter("address", int(os.environ.get("CLINIC_RATE_PER_ADDRESS", "300")))

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SafeRestInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        speedups.install()
        safe_parse.install()
        webhook = Blueprint("clinic_rest_webhook", __name__)

        @webhook.listener("after_server_start")
        async def prepare(app: Any, _loop: Any) -> None:
            # Rasa loads the model before the server starts; this runs after.
            delivery.use_primary_tracker_store(app.ctx.agent)
            speedups.freeze_loaded_objects()

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            problem = self._check(request)
            if problem is not None:
                return problem
            body, collector = request.json, CollectingOutputChannel()
            message_id = body.get("message_id") or request.headers.get("x-request-id")
            if message_id is not None and not delivery.MESSAGE_ID.match(message_id):
                message_id = None  # a proxy's id we cannot use; the message still goes through
            message = UserMessage(body["message"], collector, body["sender"],
                                  input_channel=self.name(), message_id=message_id)  # fmt: skip
            try:
                await delivery.deliver(request.app.ctx.agent, message, message_id is not None)
            except CancelledError:
                logger.error("message handling timed out")
            except Exception:
                logger.exception("message handling failed")
            messages = collector.messages
            if not any("custom" in message for message in messages):
                logger.error("no reply was produced; sent the service-unavailable message")
                messages = messages + unavailable_reply()
            return response.json(messages)

        return webhook

    def _check(self, request: Request) -> HTTPResponse | None:
        try:
            body = request.json
        except Exception:
            body = None
        if not isinstance(body, dict):
            return self._refuse(400, "bad-request", "Sorry, I could not read that message.")
        sender, text = body.get("sender"), body.get("message")
        if not isinstance(sender, str) or not SENDER.match(sender):
            return self._refuse(400, "bad-request", "Sorry, I could not read that message.")
        message_id = body.get("message_id")
        if message_id is not None and (
            not isinstance(message_id, str) or not delivery.MESSAGE_ID.match(message_id)
        ):
            return self._refuse(
                400, "bad-request", "Sorry, I could not read that message (its id is malformed)."
            )
        if not isinstance(text, str) or not normalise_message(text):
            return self._refuse(400, "empty-message", "Please type a message.")
        if self.max_chars and len(text) > self.max_chars:
            return response.json(replies.too_long_reply(len(text), self.max_chars), status=413)
        address = self._address(request)
        if not self.per_conversation.allow(sender) or not self.per_address.allow(address):
            reply = replies.rate_limited_reply(_clinic()["emergency_number"])
            return response.json(reply, status=429)
        return None

    def _address(self, request: Request) -> str:
        """The patient's address: the peer's, or the proxy's word for it when we trust it."""
        peer = request.ip or "unknown"
        forwarded = request.headers.get("x-forwarded-for", "")
        if self.trust_proxy and forwarded:
            return forwarded.split(",")[-1].strip() or peer
        return peer

    @staticmethod
    def _refuse(status: int, answer_id: str, text: str) -> HTTPResponse:
        reply = replies.system_reply(answer_id, text, error=answer_id)
        return response.json(reply, status=status)
