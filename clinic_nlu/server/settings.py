"""The Rasa server's settings: the one place the Rasa side reads ``CLINIC_*`` variables.

Each variable and its default is declared once, in ``clinic_common.settings``, for both
environments; the product reads the same declarations in ``clinic_assistant.settings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from clinic_common import settings as spec


@dataclass(frozen=True)
class ServerSettings:
    clinic_name: str
    team_phone: str
    emergency_number: str
    # The patient channel's limits (clinic_nlu.server.channels, clinic_nlu.server.limits).
    max_message_chars: int
    rate_per_conversation: int
    rate_per_address: int
    max_body_bytes: int
    body_seconds: float
    # Sanic's own limits for every route (clinic_nlu.server.serve).
    header_seconds: float
    response_seconds: float
    widget_origins: tuple[str, ...]
    trust_proxy: bool
    conversation_key: str
    redis_url: str
    redact: tuple[str, ...]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServerSettings:
        return cls(
            clinic_name=spec.CLINIC_NAME.read(environ),
            team_phone=spec.TEAM_PHONE.read(environ),
            emergency_number=spec.EMERGENCY_NUMBER.read(environ),
            max_message_chars=spec.MAX_MESSAGE_CHARS.read(environ),
            rate_per_conversation=spec.RATE_PER_CONVERSATION.read(environ),
            rate_per_address=spec.RATE_PER_ADDRESS.read(environ),
            max_body_bytes=spec.MAX_BODY_BYTES.read(environ),
            body_seconds=spec.BODY_SECONDS.read(environ),
            header_seconds=spec.HEADER_SECONDS.read(environ),
            response_seconds=spec.RESPONSE_SECONDS.read(environ),
            widget_origins=spec.WIDGET_ORIGINS.read(environ),
            trust_proxy=spec.TRUST_PROXY.read(environ),
            conversation_key=spec.CONVERSATION_KEY.read(environ),
            redis_url=spec.REDIS_URL.read(environ),
            redact=spec.REDACT.read(environ),
        )
