"""A real SMTP server on localhost that keeps what it receives, for alert tests."""

from __future__ import annotations

import time
from email.header import decode_header, make_header
from email.message import Message

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler


class Inbox(MessageHandler):
    def __init__(self) -> None:
        super().__init__()
        self.received: list[Message] = []

    def handle_message(self, message: Message) -> None:
        self.received.append(message)

    @staticmethod
    def subject(message: Message) -> str:
        """The Subject as the staff member reads it: decoded and unfolded."""
        return "".join(str(make_header(decode_header(message["Subject"]))).splitlines())

    def wait_for(self, subject_part: str, timeout: float = 20.0) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.received:
                if subject_part in self.subject(message):
                    return message
            time.sleep(0.1)
        subjects = [self.subject(m) for m in self.received]
        raise AssertionError(f"no email with {subject_part!r} within {timeout} s: {subjects}")


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=port)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._controller.stop()
