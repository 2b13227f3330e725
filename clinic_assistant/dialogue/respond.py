"""One patient turn, from the NLU's understanding to the recorded reply, in one unit of work.

Triage runs first whatever the turn is: the message is assessed (rules, then the learned
second opinion), ``situation.decide`` settles what kind of turn it is, the handler drafts the
reply, ``reply.ReplyWriter`` raises or updates the flag and puts the contract on every message,
and the turn is indexed for the console. The staff alert a flag queued is sent once the unit
of work is committed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clinic_assistant.db.models import TurnRecord
from clinic_assistant.db.repositories import TurnRepository
from clinic_assistant.dialogue.handlers import TurnContext, handle
from clinic_assistant.dialogue.reply import ReplyWriter
from clinic_assistant.dialogue.situation import decide
from clinic_assistant.dialogue.turn import Reply, Turn
from clinic_assistant.flags import FlagService
from clinic_assistant.live.gate import hold_for_nurse
from clinic_assistant.triage.second_opinion import with_second_opinion
from clinic_common.contract import Triage
from clinic_common.redaction import redact

if TYPE_CHECKING:
    from clinic_assistant.app import AppContext


def respond(app: AppContext, turn: Turn, kind: str) -> Reply:
    """Triage the turn, then compose and record the reply, all in one unit of work."""
    # A message made mostly of words the model never saw has no guess worth hearing: its
    # ranking is the nearest of intents that all fit badly ("xqzv blorp" read as a report).
    best_guess = "" if turn.unknown_words else turn.best_guess
    assessment = with_second_opinion(
        app.triage.assess(turn.text), turn.triage_opinion, turn.intent, best_guess, turn.text
    )
    # What is stored (turn index, flag) has the patient's personal details redacted.
    stored_text = redact(turn.text, app.settings.redact)
    with app.database.unit_of_work() as session:
        flags = FlagService(session)
        ongoing = flags.ongoing_urgency(turn.sender_id) if turn.sender_id else None
        situation = decide(turn, kind, assessment, ongoing)
        ctx = TurnContext(turn, assessment, situation, app.answer_service(session))
        writer = ReplyWriter(ctx, flags, stored_text, app.settings.require_clinical_approval)
        # With a nurse in the chat the assistant says only triage's safety message.
        reply = hold_for_nurse(app, session, turn, stored_text, writer.write(handle(ctx)))
        TurnRepository(session).record(turn_record(turn, reply, stored_text))
    if reply.alert:
        app.alerts.nudge()
    return reply


def turn_record(turn: Turn, reply: Reply, stored_text: str | None = None) -> TurnRecord:
    """What the console indexes about this turn."""
    customs = [message.custom for message in reply.messages]
    triage = customs[0]["triage"] if customs else Triage().as_dict()
    return TurnRecord(
        conversation_id=turn.sender_id or "unknown",
        message_id=turn.message_id,
        text=turn.text if stored_text is None else stored_text,
        intent=turn.intent,
        confidence=turn.confidence,
        topics=[custom["topic"] for custom in customs],
        answer_ids=[custom["answer_id"] for custom in customs],
        triage_level=triage["level"],
        triage_reason=triage["reason"],
        fallback=any(custom["topic"] == "fallback" for custom in customs),
    )
