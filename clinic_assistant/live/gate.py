"""While a nurse is in the conversation the assistant does not answer, except triage.

Called once per patient turn, from ``clinic_assistant.dialogue.respond``, after the reply
was composed (so triage ran, and an urgent sign raised or escalated the flag and queued the
staff alert as always). With a nurse in the chat:

- the patient's message becomes a line of the chat, for the nurse;
- an emergency or same-day sign keeps its safety message, at once, for the patient (and the
  nurse sees it as the assistant's line);
- everything else is held back: the reply is one message with no text, carrying the reply
  contract (topic and triage of the turn) and ``live_chat`` so the widget knows who is there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.orm import Session

from clinic_assistant.dialogue.turn import Message, Reply, Turn
from clinic_assistant.live.chats import LiveChats

if TYPE_CHECKING:
    from clinic_assistant.app import AppContext

# The safety messages of a sign in this very message (not the reminders of an ongoing flag:
# the nurse is there to talk about it).
SAFETY_ANSWER_IDS = frozenset({"triage-emergency", "triage-contact-team-today"})


def hold_for_nurse(app: AppContext, session: Session, turn: Turn, stored_text: str,
                   reply: Reply) -> Reply:  # fmt: skip
    """The reply the patient gets: unchanged without a nurse, else only triage's safety."""
    if not turn.sender_id:
        return reply
    chats = LiveChats(session)
    chat = chats.active(turn.sender_id)
    if chat is None:
        return reply
    chats.record_patient(chat, turn.message_id, stored_text)
    safety = [m for m in reply.messages if m.custom.get("answer_id") in SAFETY_ANSWER_IDS]
    for message in safety:
        chats.record_assistant(chat, message.text)
    live = {"nurse": chat.nurse_first_name, "state": "active"}
    if safety:
        messages = [Message(m.text, {**m.custom, "live_chat": live}) for m in safety]
    else:
        first = reply.messages[0].custom if reply.messages else {}
        custom = {"topic": first.get("topic", "fallback"), "answer_id": "", "sources": [],
                  "triage": first.get("triage", {"level": "none", "reason": ""}),
                  "live_chat": live}  # fmt: skip
        messages = [Message("", custom)]
    _publish_after_commit(app, session, turn.sender_id)
    # The conversation's context (last topic, procedure) stays what it was before the nurse.
    return Reply(messages=messages, slots={}, alert=reply.alert)


def _publish_after_commit(app: AppContext, session: Session, conversation_id: str) -> None:
    publisher = app.live_publisher
    if publisher is not None:
        event.listen(session, "after_commit", lambda _s: publisher.publish(conversation_id),
                     once=True)  # fmt: skip
