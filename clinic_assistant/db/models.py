"""Tables of the application database (the Rasa tracker store is separate)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

REVIEW_STATUSES = ("approved", "needs_clinical_review")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class Source(Base):
    """A source document that answers are written from."""

    __tablename__ = "sources"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    publisher: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    audience: Mapped[str] = mapped_column(String(40))
    caveats: Mapped[str] = mapped_column(Text, default="")


class Answer(Base):
    """A curated answer as patients currently see it (its published version).

    ``intents``, ``procedures`` and ``keywords`` route questions to the answer; they come from
    the YAML under ``data/answers/`` and belong to developers. Text, title, sources and review
    status are the content staff may edit; every change is kept in ``answer_versions``.
    """

    __tablename__ = "answers"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[str]] = mapped_column(default=list)
    review_status: Mapped[str] = mapped_column(String(30))
    intents: Mapped[list[str]] = mapped_column(default=list)
    procedures: Mapped[list[str]] = mapped_column(default=list)
    keywords: Mapped[list[str]] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Hash of the YAML content this answer was last seeded from: tells a YAML change apart from
    # a staff edit when the seed runs again.
    seed_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    versions: Mapped[list[AnswerVersion]] = relationship(
        back_populates="answer", order_by="AnswerVersion.version", cascade="all, delete-orphan"
    )


class AnswerVersion(Base):
    """One saved version of an answer's content: who changed what, when and why."""

    __tablename__ = "answer_versions"
    __table_args__ = (UniqueConstraint("answer_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[str]] = mapped_column(default=list)
    review_status: Mapped[str] = mapped_column(String(30))
    author: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    answer: Mapped[Answer] = relationship(back_populates="versions")


FLAG_STATUSES = ("open", "acknowledged", "resolved")
FLAG_KINDS = ("symptom", "personal_decision", "nurse_request")


class Flag(Base):
    """A conversation the nurses need to look at, raised by triage.

    One open flag per conversation: repeats update it (and escalate its level) instead of
    piling up. ``reference`` is what the patient can quote on the phone.
    """

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    message_id: Mapped[str] = mapped_column(String(100), default="")
    message_text: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(30), index=True)
    reason: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    callback_phone: Mapped[str] = mapped_column(String(40), default="")
    handled_by: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    events: Mapped[list[FlagEvent]] = relationship(
        back_populates="flag", order_by="FlagEvent.id", cascade="all, delete-orphan"
    )


class FlagEvent(Base):
    """What happened to a flag: raised, updated, escalated, notified, acknowledged, resolved."""

    __tablename__ = "flag_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")

    flag: Mapped[Flag] = relationship(back_populates="events")


class Notification(Base):
    """An alert to staff about a flag, kept until delivered (an outbox): never lost."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    level: Mapped[str] = mapped_column(String(30))
    # pending -> sending -> sent | pending (retry) | failed; not_configured when no channel is set
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
