"""The REST channel patients use, hardened: ``credentials.yml`` names it instead of ``rest``.

Same URL and format as Rasa's REST channel (``POST /webhooks/rest/webhook`` with ``sender`` and
``message``), and:
- only JSON is accepted (415 otherwise), so a plain HTML form or a ``text/plain`` POST from any
  other site cannot post a message; a request carrying an ``Origin`` that is not one of the
  widget's pages (``CLINIC_WIDGET_ORIGINS``) gets 403 whatever CORS would let it read;
- the body is read with a size limit (``CLINIC_MAX_BODY_BYTES``, 413) and a time limit
  (``CLINIC_BODY_SECONDS``, 408): a client that declares more than it sends is not waited for;
- a request that is not a JSON object with a text ``sender`` (a conversation id, see
  ``clinic_common.conversations``) and ``message`` gets 400 with a clear reply, never a server
  error;
- the widget protects its conversations: its first message carries ``"secret": ""`` and the
  reply gives the conversation's secret (``custom.conversation_secret``); every later message
  must carry it, or is refused (403), so knowing an id is not enough to post into a patient's
  conversation or to replay one of its message ids and read the reply;
- a message over the length limit gets 413 with a reply saying so;
- too many messages from one conversation or one address get 429 with a reply saying so;
- a message that carries an id (``message_id`` in the body, else nginx's ``X-Request-ID``)
  is handled once however often it arrives (``clinic_nlu.server.delivery``);
- a patient never gets silence: if the assistant produced no reply (the action server or a
  database is down), the reply says so and gives the clinic's and the emergency numbers.
Every reply carries the reply contract (``custom``).
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic_common import replies
from clinic_common.conversations import (
    ID_RULE,
    conversation_secret,
    is_conversation_id,
    secret_matches,
)
from clinic_common.text import normalise_message
from clinic_nlu.server import delivery, patches, speedups
from clinic_nlu.server.limits import limiter
from clinic_nlu.server.settings import ServerSettings

logger = logging.getLogger(__name__)
JSON_TYPES = ("application/json",)


class BodyTooLarge(Exception):
    pass


def unavailable_reply(settings: ServerSettings) -> list[dict[str, Any]]:
    return replies.unavailable_reply(
        settings.clinic_name, settings.team_phone, settings.emergency_number
    )


class SafeRestInput(RestInput):
    """Rasa's REST channel with input checks, limits and a reply whatever happens."""

    def __init__(self) -> None:
        # Behind a proxy every request comes from the proxy, which says who sent it (the last
        # X-Forwarded-For entry, the one it added). Set it only when Rasa is reachable through
        # the proxy alone.
        settings = self.settings = ServerSettings.from_env()
        self.trust_proxy = settings.trust_proxy
        self.max_chars = settings.max_message_chars
        self.per_conversation = limiter(
            "conversation", settings.rate_per_conversation, settings.redis_url
        )
        self.per_address = limiter("address", settings.rate_per_address, settings.redis_url)
        self.max_body = settings.max_body_bytes
        self.body_seconds = settings.body_seconds
        self.origins = set(settings.widget_origins)
        # Conversation secrets are HMACs under this key; without it no conversation could be
        # continued safely, so the server does not start (the run command always sets it).
        self.conversation_key = settings.conversation_key
        if not self.conversation_key:
            raise RuntimeError("CLINIC_CONVERSATION_KEY is not set: conversations need a key")

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SafeRestInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Normally done by clinic_nlu.server.serve at start-up; idempotent, so a server
        # started another way (rasa run with this channel) is not left without them.
        patches.install()
        webhook = Blueprint("clinic_rest_webhook", __name__)

        @webhook.listener("after_server_start")
        async def prepare(app: Any, _loop: Any) -> None:
            # Rasa loads the model before the server starts; this runs after.
            delivery.use_primary_tracker_store(app.ctx.agent)
            speedups.freeze_loaded_objects()

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            # A streaming route, so that the body is read here under a size and time limit
            # (Sanic would otherwise wait as long as Rasa's hour-long response timeout).
            problem = (
                self._check_headers(request)
                or await self._read_body(request)
                or self._check(request)
            )
            if problem is not None:
                return problem
            body = request.json
            problem, issue_secret = await self._check_secret(request, body)
            if problem is not None:
                return problem
            messages = await self._handle(request, body, protect=issue_secret)
            if issue_secret:
                secret = conversation_secret(self.conversation_key, body["sender"])
                for message in messages:
                    if "custom" in message:
                        message["custom"] = {**message["custom"], "conversation_secret": secret}
            return response.json(messages)

        return webhook

    async def _handle(
        self, request: Request, body: dict[str, Any], protect: bool
    ) -> list[dict[str, Any]]:
        collector = CollectingOutputChannel()
        message_id = body.get("message_id") or request.headers.get("x-request-id")
        if message_id is not None and not delivery.is_message_id(message_id):
            message_id = None  # a proxy's id we cannot use; the message still goes through
        # The first message of a protected conversation is marked as such in the transcript:
        # from then on a message without the secret cannot join it.
        metadata = {delivery.PROTECTED: True} if protect else None
        message = UserMessage(
            body["message"],
            collector,
            body["sender"],
            input_channel=self.name(),
            message_id=message_id,
            metadata=metadata,
        )
        try:
            await delivery.deliver(request.app.ctx.agent, message, message_id is not None)
        except CancelledError:
            logger.error("message handling timed out")
        except Exception:
            logger.exception("message handling failed")
        messages = collector.messages
        if not any("custom" in message for message in messages):
            logger.error("no reply was produced; sent the service-unavailable message")
            messages = messages + unavailable_reply(self.settings)
        return messages

    async def _read_body(self, request: Request) -> HTTPResponse | None:
        """Read the body, refusing one that is too large or does not arrive in time."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            return self._give_up(request, 413, replies.too_long_reply(None, self.max_chars))
        try:
            request.body = await asyncio.wait_for(self._chunks(request), self.body_seconds)
        except BodyTooLarge:
            return self._give_up(request, 413, replies.too_long_reply(None, self.max_chars))
        except TimeoutError:
            reply = replies.system_reply(
                "request-timeout",
                "Sorry, your message did not arrive in time. Please send it again.",
                error="request-timeout",
            )
            return self._give_up(request, 408, reply)
        return None

    async def _chunks(self, request: Request) -> bytes:
        received = bytearray()
        if request.stream is None:
            return bytes(request.body or b"")
        async for chunk in request.stream:
            received += chunk
            if len(received) > self.max_body:
                raise BodyTooLarge()
        return bytes(received)

    @staticmethod
    def _give_up(request: Request, status: int, reply: list[dict[str, Any]]) -> HTTPResponse:
        # Answer now and close the connection: Sanic would otherwise go on reading the body
        # the client declared, for as long as the client cares to hold it.
        if request.stream is not None:
            request.stream.keep_alive = False
            request.stream.request_body = None
        return response.json(reply, status=status)

    def _check_headers(self, request: Request) -> HTTPResponse | None:
        """JSON only, and from the widget's pages when a browser says where it comes from."""
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in JSON_TYPES:
            reply = replies.system_reply(
                "bad-request",
                "Sorry, I could not read that message (it must be sent as JSON).",
                error="bad-request",
            )
            return self._give_up(request, 415, reply)
        origin = request.headers.get("origin")
        if origin is not None and origin not in self.origins:
            reply = replies.system_reply(
                "bad-origin",
                "Sorry, this chat only works from the clinic's own web pages.",
                error="bad-origin",
            )
            return self._give_up(request, 403, reply)
        return None

    def _check(self, request: Request) -> HTTPResponse | None:
        try:
            body = request.json
        except Exception:
            body = None
        if not isinstance(body, dict):
            return self._refuse(400, "bad-request", "Sorry, I could not read that message.")
        sender, text = body.get("sender"), body.get("message")
        if not is_conversation_id(sender):
            return self._refuse(
                400,
                "bad-request",
                f"Sorry, I could not read that message (the conversation id must be {ID_RULE}).",
            )
        message_id = body.get("message_id")
        if message_id is not None and not delivery.is_message_id(message_id):
            return self._refuse(
                400, "bad-request", "Sorry, I could not read that message (its id is malformed)."
            )
        if not isinstance(text, str) or not normalise_message(text):
            return self._refuse(400, "empty-message", "Please type a message.")
        if self.max_chars and len(text) > self.max_chars:
            return response.json(replies.too_long_reply(len(text), self.max_chars), status=413)
        address = self._address(request)
        if not self.per_conversation.allow(sender) or not self.per_address.allow(address):
            reply = replies.rate_limited_reply(self.settings.emergency_number)
            return response.json(reply, status=429)
        return None

    async def _check_secret(
        self, request: Request, body: dict[str, Any]
    ) -> tuple[HTTPResponse | None, bool]:
        """(a refusal or None, whether this message starts a protected conversation).

        ``secret`` absent: a client that does not protect its conversations (curl, the
        evaluation scripts); refused if the conversation is a protected one. ``""``: the
        widget starting a conversation and asking for its secret; refused if the conversation
        exists. Anything else must be the conversation's secret.
        """
        sender, offered = body["sender"], body.get("secret")
        if offered:
            if secret_matches(self.conversation_key, sender, offered):
                return None, False
            return self._not_yours(), False
        store = request.app.ctx.agent.tracker_store
        try:
            if offered is None:
                refused = await delivery.is_protected(store, sender)
            else:
                refused = await store.exists(sender)
        except Exception:
            logger.exception("could not check the conversation's secret")
            return response.json(unavailable_reply(self.settings)), False
        if refused:
            return self._not_yours(), False
        return None, offered is not None

    def _not_yours(self) -> HTTPResponse:
        return self._refuse(
            403,
            "conversation-secret",
            "Sorry, this conversation can only be "
            "continued from the browser window it started in. Please start a "
            "new conversation.",
        )

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
