"""The inbox of patient messages to learn from, and the reviewers' decisions on them.

Messages arrive from four places: the fallback, answers given with low confidence (both read
from the turn index when the inbox is opened), a patient's thumbs down, and a nurse marking a
message of a transcript "misunderstood". Each patient message is in the inbox once, with every
reason it came for. Reviewers give it the intent it should have had, call it out of scope,
send it to the admins' list of questions that need a new answer, or dismiss it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import String, cast, exists, func, select
from sqlalchemy.orm import Session

from clinic_assistant.db.models import INBOX_DECISIONS, INBOX_ORIGINS, InboxItem, TurnRecord, utcnow
from clinic_common.topics import FALLBACK_INTENT

OUT_OF_SCOPE = "out_of_scope"
# Labelled as an intent (out of scope is one): these go to the reviewed NLU file.
LABELLED = ("intent", "out_of_scope")
# How many new turns one opening of the inbox takes in (the rest come on the next).
COLLECT_AT_ONCE = 500


class InboxError(ValueError):
    """A decision that cannot be recorded; the message says why."""


class Inbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ------------------------------------------------------------------ arrivals
    def add_turn(self, turn: TurnRecord, origin: str) -> InboxItem:
        """The message of ``turn`` in the inbox for ``origin`` (added, or the reason added)."""
        if origin not in INBOX_ORIGINS:
            raise ValueError(f"unknown inbox origin {origin!r}")
        item = self.session.scalars(select(InboxItem).where(InboxItem.turn_id == turn.id)).first()
        if item is None:
            item = InboxItem(
                turn_id=turn.id, conversation_id=turn.conversation_id,
                message_id=turn.message_id, text=turn.text, predicted_intent=turn.intent,
                confidence=turn.confidence, origins=[], created_at=utcnow(),
            )  # fmt: skip
            self.session.add(item)
        if origin not in item.origins:
            item.origins = [*item.origins, origin]
        return item

    def collect(self, low_confidence: float) -> int:
        """Take in the fallbacks and low-confidence answers not in the inbox yet."""
        already = exists().where(InboxItem.turn_id == TurnRecord.id)
        unsure = TurnRecord.fallback | (
            (TurnRecord.confidence < low_confidence) & (TurnRecord.intent != "")
        )
        query = (
            select(TurnRecord)
            # Buttons send a payload ("/ask_options"), not words to learn from.
            .where(unsure, ~already, ~TurnRecord.text.startswith("/"))
            .order_by(TurnRecord.id)
            .limit(COLLECT_AT_ONCE)
        )
        turns = list(self.session.scalars(query))
        for turn in turns:
            origin = "fallback" if turn.fallback or turn.intent == FALLBACK_INTENT else None
            self.add_turn(turn, origin or "low_confidence")
        return len(turns)

    def mark_misunderstood(self, conversation_id: str, turn_id: int) -> InboxItem:
        turn = self.session.get(TurnRecord, turn_id)
        if turn is None or turn.conversation_id != conversation_id:
            raise InboxError("That message is not in this conversation.")
        return self.add_turn(turn, "nurse_marked")

    # ------------------------------------------------------------------ reading
    def items(self, status: str = "open", origin: str = "", limit: int = 100) -> list[InboxItem]:
        query = select(InboxItem)
        if status:
            query = query.where(InboxItem.status == status)
        if origin:
            query = query.where(_has_origin(origin))
        query = query.order_by(InboxItem.id.desc()).limit(limit)
        return list(self.session.scalars(query))

    def counts(self) -> dict[str, int]:
        rows = self.session.execute(
            select(InboxItem.status, func.count(InboxItem.id)).group_by(InboxItem.status)
        )
        return dict(rows.all())

    def marked_turns(self, conversation_id: str) -> set[int]:
        query = select(InboxItem.turn_id).where(
            InboxItem.conversation_id == conversation_id,
            _has_origin("nurse_marked"),
        )
        return {turn_id for turn_id in self.session.scalars(query) if turn_id is not None}

    def labelled(self) -> Sequence[InboxItem]:
        """Every message labelled with an intent (out of scope included), oldest first."""
        query = select(InboxItem).where(InboxItem.status.in_(LABELLED)).order_by(InboxItem.id)
        return self.session.scalars(query).all()

    def needing_answers(self) -> list[InboxItem]:
        query = select(InboxItem).where(InboxItem.status == "needs_answer")
        return list(self.session.scalars(query.order_by(InboxItem.id.desc())))

    # ------------------------------------------------------------------ decisions
    def decide(
        self, item_id: int, decision: str, intent: str, reviewer: str, intents: Collection[str],
        note: str = "",
    ) -> InboxItem:  # fmt: skip
        item = self.session.get(InboxItem, item_id)
        if item is None:
            raise InboxError("That message is no longer in the inbox.")
        if decision not in INBOX_DECISIONS:
            raise InboxError("Choose an intent, out of scope, needs a new answer, or dismiss.")
        if decision == "intent" and intent not in intents:
            raise InboxError("Choose one of the assistant's intents for this message.")
        labels = {"intent": intent, "out_of_scope": OUT_OF_SCOPE}
        item.status = decision
        item.label = labels.get(decision, "")
        item.note = note.strip()[:1000]
        item.held_back = ""
        item.labelled_by, item.labelled_at = reviewer, utcnow()
        return item


def _has_origin(origin: str):
    # origins is a JSON list: its text holds the name in quotes, on SQLite and PostgreSQL.
    return cast(InboxItem.origins, String).like(f'%"{origin}"%')
