"""Replies the system gives itself (refusals, outages), shared by the Rasa channel and nginx.

They carry the reply contract like every answer (DESIGN.md), so the widget shows them the same
way; ``error`` tells a client what went wrong.
"""

from __future__ import annotations

from typing import Any

from clinic_common.contract import Triage, reply_custom


def system_reply(answer_id: str, text: str, **extra: Any) -> list[dict[str, Any]]:
    custom = reply_custom(topic="fallback", answer_id=answer_id, sources=(), triage=Triage(),
                          title="", **extra)  # fmt: skip
    return [{"recipient_id": "", "text": text}, {"recipient_id": "", "custom": custom}]


def unavailable_reply(clinic_name: str, team_phone: str, emergency_number: str) -> list[dict]:
    """What a patient reads when the assistant cannot answer: whom to call instead."""
    return system_reply(
        "service-unavailable",
        "Sorry, I can't answer right now because of a problem on our side. If you need help, "
        f"call {clinic_name} on {team_phone}. If you feel very unwell, or have chest pain or "
        f"trouble breathing, call {emergency_number} now.",
        error="service_unavailable",
    )


def too_long_reply(length: int | None, limit: int) -> list[dict]:
    size = f" ({length} characters; the limit is {limit})" if length is not None else ""
    return system_reply(
        "message-too-long",
        f"Your message is too long for me{size}. Please send a shorter message, or split it "
        "in two.",
        error="message-too-long",
    )


def rate_limited_reply(emergency_number: str) -> list[dict]:
    return system_reply(
        "rate-limited",
        "You are sending messages faster than I can answer them. Please wait a minute and try "
        f"again. In an emergency call {emergency_number}.",
        error="rate-limited",
    )
