"""Repositories: queries over one session. They never create, commit or close a session."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from clinic_assistant.db.models import (
    Answer,
    AnswerVersion,
    AuditEvent,
    ConversationReview,
    Flag,
    FlagEvent,
    Notification,
    Source,
    StaffMember,
    StaffSession,
    TurnRecord,
)
from clinic_common.contract import TriageLevel

T = TypeVar("T")


def required(found: T | None, what: str, key: object) -> T:
    """``found``, which must exist (LookupError naming it otherwise)."""
    if found is None:
        raise LookupError(f"no {what} {key!r}")
    return found


class SourceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> Source | None:
        return self.session.get(Source, key)

    def by_keys(self, keys: Iterable[str]) -> dict[str, Source]:
        keys = list(keys)
        if not keys:
            return {}
        rows = self.session.scalars(select(Source).where(Source.key.in_(keys)))
        return {source.key: source for source in rows}

    def all(self) -> Sequence[Source]:
        return self.session.scalars(select(Source).order_by(Source.key)).all()

    def add(self, source: Source) -> None:
        self.session.add(source)


class AnswerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._all: Sequence[Answer] | None = None

    def get(self, answer_id: str) -> Answer | None:
        return self.session.get(Answer, answer_id)

    def all(self) -> Sequence[Answer]:
        """Every answer, read once per unit of work (a reply looks several up)."""
        if self._all is None:
            query = select(Answer).order_by(Answer.topic, Answer.position)
            self._all = self.session.scalars(query).all()
        return self._all

    def in_topic(self, topic: str) -> Sequence[Answer]:
        query = select(Answer).where(Answer.topic == topic).order_by(Answer.position, Answer.id)
        return self.session.scalars(query).all()

    def for_intent(self, intent: str) -> list[Answer]:
        """Answers routed from ``intent``, in their order within the topic.

        ``intents`` is a JSON list; the answer table is small (tens to a few hundred rows), so
        filtering in Python keeps the query portable across SQLite and PostgreSQL.
        """
        return [answer for answer in self.all() if intent in answer.intents]

    def add(self, answer: Answer) -> None:
        self.session.add(answer)
        self._all = None

    def add_version(self, version: AnswerVersion) -> None:
        self.session.add(version)

    def versions(self, answer_id: str) -> Sequence[AnswerVersion]:
        query = (
            select(AnswerVersion)
            .where(AnswerVersion.answer_id == answer_id)
            .order_by(AnswerVersion.version)
        )
        return self.session.scalars(query).all()


class FlagRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, flag_id: int) -> Flag | None:
        return self.session.get(Flag, flag_id)

    def require(self, flag_id: int) -> Flag:
        """The flag, which must exist (LookupError otherwise)."""
        return required(self.session.get(Flag, flag_id), "flag", flag_id)

    def by_reference(self, reference: str) -> Flag | None:
        return self.session.scalars(select(Flag).where(Flag.reference == reference)).first()

    def open_for_conversation(self, conversation_id: str) -> Flag | None:
        """The conversation's flag that is not resolved yet, if any (newest first)."""
        query = (
            select(Flag)
            .where(Flag.conversation_id == conversation_id, Flag.status != "resolved")
            .order_by(Flag.id.desc())
        )
        return self.session.scalars(query).first()

    def queue(self, status: str, limit: int = 200) -> list[Flag]:
        """Flags with this status: the most urgent level first, then the oldest first."""
        most_urgent_first = case(
            *((Flag.level == level.value, -level.rank) for level in TriageLevel), else_=0
        )
        query = select(Flag).where(Flag.status == status)
        if status == "resolved":
            query = query.order_by(Flag.resolved_at.desc())
        else:
            query = query.order_by(most_urgent_first, Flag.created_at)
        return list(self.session.scalars(query.limit(limit)))

    def for_conversation(self, conversation_id: str) -> list[Flag]:
        query = select(Flag).where(Flag.conversation_id == conversation_id).order_by(Flag.id)
        return list(self.session.scalars(query))

    def reference_exists(self, reference: str) -> bool:
        return self.by_reference(reference) is not None

    def add(self, flag: Flag) -> None:
        self.session.add(flag)

    def add_event(self, event: FlagEvent) -> None:
        self.session.add(event)

    def events(self, flag_id: int) -> list[FlagEvent]:
        query = select(FlagEvent).where(FlagEvent.flag_id == flag_id).order_by(FlagEvent.id)
        return list(self.session.scalars(query))


class NotificationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, notification: Notification) -> None:
        self.session.add(notification)

    def get(self, notification_id: int) -> Notification | None:
        return self.session.get(Notification, notification_id)

    def require(self, notification_id: int) -> Notification:
        """The notification, which must exist (LookupError otherwise)."""
        return required(self.session.get(Notification, notification_id), "notification",
                         notification_id)  # fmt: skip

    def for_flag(self, flag_id: int) -> list[Notification]:
        query = select(Notification).where(Notification.flag_id == flag_id)
        return list(self.session.scalars(query.order_by(Notification.id)))

    def due_ids(self, now: datetime, stale_before: datetime, limit: int = 20) -> list[int]:
        """Pending notifications whose time has come, and claims abandoned by a dead worker."""
        query = (
            select(Notification.id)
            .where(
                or_(
                    (Notification.status == "pending") & (Notification.next_attempt_at <= now),
                    (Notification.status == "sending") & (Notification.claimed_at < stale_before),
                )
            )
            .order_by(Notification.next_attempt_at)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def claim(self, notification_id: int, now: datetime, stale_before: datetime) -> bool:
        """Take a notification for sending; False if another worker already has it."""
        result = self.session.execute(
            update(Notification)
            .where(
                Notification.id == notification_id,
                or_(
                    Notification.status == "pending",
                    (Notification.status == "sending") & (Notification.claimed_at < stale_before),
                ),
            )
            .values(status="sending", claimed_at=now)
        )
        return getattr(result, "rowcount", 0) == 1  # a CursorResult for an UPDATE


class StaffRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, staff_id: int) -> StaffMember | None:
        return self.session.get(StaffMember, staff_id)

    def by_username(self, username: str) -> StaffMember | None:
        query = select(StaffMember).where(StaffMember.username == username.strip().lower())
        return self.session.scalars(query).first()

    def all(self) -> list[StaffMember]:
        return list(self.session.scalars(select(StaffMember).order_by(StaffMember.username)))

    def add(self, member: StaffMember) -> None:
        self.session.add(member)

    def count_active_admins(self) -> int:
        query = select(StaffMember).where(StaffMember.role == "admin", StaffMember.active)
        return len(self.session.scalars(query).all())


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_token_hash(self, token_hash: str) -> StaffSession | None:
        query = select(StaffSession).where(StaffSession.token_hash == token_hash)
        return self.session.scalars(query).first()

    def add(self, staff_session: StaffSession) -> None:
        self.session.add(staff_session)

    def delete(self, staff_session: StaffSession) -> None:
        self.session.delete(staff_session)

    def delete_for_staff(self, staff_id: int) -> None:
        for staff_session in self.session.scalars(
            select(StaffSession).where(StaffSession.staff_id == staff_id)
        ):
            self.session.delete(staff_session)


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event: AuditEvent) -> None:
        self.session.add(event)

    def recent(self, limit: int = 50, offset: int = 0) -> list[AuditEvent]:
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
        return list(self.session.scalars(query))

    def count(self) -> int:
        from sqlalchemy import func

        return self.session.scalar(select(func.count(AuditEvent.id))) or 0


class TurnRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, turn: TurnRecord) -> None:
        """Add the turn, or replace the one recorded for the same message (a repeat delivery:
        Rasa may ask for the actions of a message again after a server died mid-reply)."""
        if turn.message_id:
            query = select(TurnRecord).where(
                TurnRecord.conversation_id == turn.conversation_id,
                TurnRecord.message_id == turn.message_id,
            )
            earlier = self.session.scalars(query).first()
            if earlier is not None:
                turn.id, turn.at = earlier.id, earlier.at
                self.session.merge(turn)
                return
        self.session.add(turn)

    def for_conversation(self, conversation_id: str) -> list[TurnRecord]:
        query = select(TurnRecord).where(TurnRecord.conversation_id == conversation_id)
        return list(self.session.scalars(query.order_by(TurnRecord.id)))


class ReviewRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, conversation_id: str) -> ConversationReview | None:
        return self.session.get(ConversationReview, conversation_id)

    def get_or_new(self, conversation_id: str) -> ConversationReview:
        review = self.get(conversation_id)
        if review is None:
            review = ConversationReview(conversation_id=conversation_id, tags=[], notes="")
            self.session.add(review)
        return review


class RetentionRepository:
    """What the retention job reads and deletes in the application database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def last_turns(self) -> dict[str, datetime]:
        query = select(TurnRecord.conversation_id, func.max(TurnRecord.at)).group_by(
            TurnRecord.conversation_id
        )
        return {conversation: _aware(at) for conversation, at in self.session.execute(query)}

    def with_unresolved_flags(self) -> set[str]:
        query = select(Flag.conversation_id).where(Flag.status != "resolved").distinct()
        return set(self.session.scalars(query))

    def delete(self, conversation_ids: list[str]) -> dict[str, int]:
        """Delete the conversations' turns, reviews and resolved flags (with their history)."""
        counts = {"turns": 0, "reviews": 0, "flags": 0}
        for start in range(0, len(conversation_ids), 500):
            batch = conversation_ids[start : start + 500]
            flags = select(Flag.id).where(
                Flag.conversation_id.in_(batch), Flag.status == "resolved"
            )
            self.session.execute(delete(FlagEvent).where(FlagEvent.flag_id.in_(flags)))
            self.session.execute(delete(Notification).where(Notification.flag_id.in_(flags)))
            for name, statement in (
                ("flags", delete(Flag).where(Flag.conversation_id.in_(batch),
                                             Flag.status == "resolved")),
                ("turns", delete(TurnRecord).where(TurnRecord.conversation_id.in_(batch))),
                ("reviews", delete(ConversationReview).where(
                    ConversationReview.conversation_id.in_(batch))),
            ):  # fmt: skip
                counts[name] += getattr(self.session.execute(statement), "rowcount", 0) or 0
        return counts


def _aware(at: datetime) -> datetime:
    # SQLite gives back naive datetimes; they were stored in UTC.
    return at if at.tzinfo else at.replace(tzinfo=UTC)
