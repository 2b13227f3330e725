"""Patients' thumbs up / down on answers, and what they say was missing.

A rating names the message it answered (the widget's message id) and the answer; the turn
index says which answers that reply carried, so a rating can only be given to an answer the
patient was actually shown. The answer's version is the one published when the reply was
given. Comments are redacted like everything else that is stored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_assistant.db.models import (
    FEEDBACK_RATINGS,
    Answer,
    AnswerFeedback,
    AnswerVersion,
    TurnRecord,
    utcnow,
)
from clinic_assistant.learning.inbox import Inbox
from clinic_common.redaction import redact

MAX_COMMENT = 500


class FeedbackError(ValueError):
    """Feedback that cannot be recorded; the message says why, for the patient."""


@dataclass(frozen=True)
class Satisfaction:
    """Ratings of one answer or one topic."""

    name: str
    up: int
    down: int

    @property
    def total(self) -> int:
        return self.up + self.down

    @property
    def share_up(self) -> float:
        return self.up / self.total if self.total else 0.0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class FeedbackService:
    def __init__(self, session: Session, redact_kinds: tuple[str, ...]) -> None:
        self.session = session
        self.redact_kinds = redact_kinds

    def record(
        self, conversation_id: str, message_id: str, answer_id: str, rating: str, comment: str = ""
    ) -> AnswerFeedback:
        if rating not in FEEDBACK_RATINGS:
            raise FeedbackError("A rating is thumbs up or thumbs down.")
        if len(comment) > MAX_COMMENT:
            raise FeedbackError(f"Please keep it under {MAX_COMMENT} characters.")
        turn = self._turn(conversation_id, message_id)
        if turn is None or answer_id not in (turn.answer_ids or []):
            raise FeedbackError("That answer was not given in this conversation.")
        answer = self.session.get(Answer, answer_id)
        if answer is None:
            raise FeedbackError("That answer no longer exists.")
        stored_comment = redact(comment.strip(), self.redact_kinds) if rating == "down" else ""
        feedback = self._existing(conversation_id, message_id, answer_id) or AnswerFeedback(
            conversation_id=conversation_id, message_id=message_id, answer_id=answer_id,
            turn_id=turn.id, answer_version=self._version_shown(answer, turn.at),
            topic=answer.topic, message_text=turn.text, created_at=utcnow(),
        )  # fmt: skip
        feedback.rating, feedback.comment, feedback.updated_at = rating, stored_comment, utcnow()
        self.session.add(feedback)
        if rating == "down":
            Inbox(self.session).add_turn(turn, "thumbs_down")
        return feedback

    def _turn(self, conversation_id: str, message_id: str) -> TurnRecord | None:
        if not message_id:
            return None
        query = select(TurnRecord).where(
            TurnRecord.conversation_id == conversation_id, TurnRecord.message_id == message_id
        )
        return self.session.scalars(query).first()

    def _existing(self, conversation_id: str, message_id: str, answer_id: str):
        query = select(AnswerFeedback).where(
            AnswerFeedback.conversation_id == conversation_id,
            AnswerFeedback.message_id == message_id,
            AnswerFeedback.answer_id == answer_id,
        )
        return self.session.scalars(query).first()

    def _version_shown(self, answer: Answer, at: datetime) -> int:
        """The published version that was live when the reply was given."""
        query = (
            select(AnswerVersion)
            .where(AnswerVersion.answer_id == answer.id, AnswerVersion.state == "published")
            .order_by(AnswerVersion.version)
        )
        shown = answer.version
        for version in self.session.scalars(query):
            if _aware(version.created_at) <= _aware(at):
                shown = version.version
        return shown


class FeedbackFigures:
    """Satisfaction per answer and per topic, and an answer's recent feedback."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _since(self, days: int) -> list[AnswerFeedback]:
        since = datetime.now(UTC) - timedelta(days=days)
        query = select(AnswerFeedback).where(AnswerFeedback.updated_at >= since)
        return list(self.session.scalars(query))

    def per_answer(self, days: int = 30) -> list[Satisfaction]:
        return self._grouped(self._since(days), lambda f: f.answer_id)

    def per_topic(self, days: int = 30) -> list[Satisfaction]:
        return self._grouped(self._since(days), lambda f: f.topic)

    @staticmethod
    def _grouped(rows: list[AnswerFeedback], key) -> list[Satisfaction]:
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in rows:
            counts[key(row)][0 if row.rating == "up" else 1] += 1
        ranked = sorted(counts.items(), key=lambda item: (-sum(item[1]), item[0]))
        return [Satisfaction(name, up, down) for name, (up, down) in ranked]

    def recent(self, answer_id: str, limit: int = 10) -> list[AnswerFeedback]:
        query = (
            select(AnswerFeedback)
            .where(AnswerFeedback.answer_id == answer_id)
            .order_by(AnswerFeedback.updated_at.desc(), AnswerFeedback.id.desc())
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def counts_by_answer(self) -> dict[str, Satisfaction]:
        rows = list(self.session.scalars(select(AnswerFeedback)))
        return {s.name: s for s in self._grouped(rows, lambda f: f.answer_id)}
