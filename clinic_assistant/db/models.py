"""Tables of the application database (the Rasa tracker store is separate)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; everything stored is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


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
    # Shown to patients beside the publisher, e.g. "AI-generated summary written for doctors".
    description: Mapped[str] = mapped_column(String(200), default="")
    # Answers citing it are needs_clinical_review until a clinician signs them off.
    requires_clinical_review: Mapped[bool] = mapped_column(Boolean, default=False)


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
    # "published" versions were live at some point; a "draft" waits for an admin to publish it.
    state: Mapped[str] = mapped_column(String(20), default="published")
    # A clinical sign-off (review status clinically_approved): the clinician who reviewed this
    # version, the day they did, and their note. Empty for every other version.
    approved_by: Mapped[str] = mapped_column(String(120), default="")
    approved_on: Mapped[date | None] = mapped_column(Date)
    approval_note: Mapped[str] = mapped_column(Text, default="")

    answer: Mapped[Answer] = relationship(back_populates="versions")


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


# Clinicians sign answers off; they see what nurses see, and the answers.
STAFF_ROLES = ("nurse", "admin", "clinician")


class StaffMember(Base):
    """A nurse or an admin of the staff console."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StaffSession(Base):
    """A signed-in browser. Only a hash of the cookie's token is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    staff: Mapped[StaffMember] = relationship()


class LoginFailures(Base):
    """Recent failed sign-ins of one address or one username (``address:...``, ``account:...``).

    Counted per key, whether or not the account exists, so that an unknown username is slowed
    exactly like a real one; each failure adds to the delay of the next attempt instead of
    locking the account (clinic_assistant.web.throttle)."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """Something a staff member changed: who, what, when, from where."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class TurnRecord(Base):
    """One patient message and what the assistant made of it: the index the console searches
    and counts (the full transcript is the Rasa tracker store)."""

    __tablename__ = "turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    message_id: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(80), default="")
    confidence: Mapped[float] = mapped_column(default=0.0)
    topics: Mapped[list[str]] = mapped_column(default=list)
    answer_ids: Mapped[list[str]] = mapped_column(default=list)
    triage_level: Mapped[str] = mapped_column(String(30), default="none", index=True)
    triage_reason: Mapped[str] = mapped_column(Text, default="")
    fallback: Mapped[bool] = mapped_column(default=False)


class ConversationReview(Base):
    """Staff notes on a conversation: reviewed or not, tags, notes."""

    __tablename__ = "conversation_reviews"

    conversation_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    reviewed: Mapped[bool] = mapped_column(default=False)
    reviewed_by: Mapped[str] = mapped_column(String(80), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tags: Mapped[list[str]] = mapped_column(default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


LIVE_CHAT_STATUSES = ("active", "handed_back", "closed")
# What a line of a live chat is: a nurse joined, wrote, handed back or closed; the patient
# wrote; the assistant still answered (triage's safety message).
LIVE_MESSAGE_KINDS = ("joined", "nurse", "patient", "assistant", "handed_back", "closed")


class LiveChat(Base):
    """A nurse in a patient's conversation: while it is active the assistant only triages."""

    __tablename__ = "live_chats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    nurse_username: Mapped[str] = mapped_column(String(80))
    # What the patient sees: "<first name>, a nurse, has joined".
    nurse_first_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LiveMessage(Base):
    """One line of a live chat, beside the tracker store's transcript. ``id`` orders the lines
    of a conversation: the widget and the console resume after the last id they showed."""

    __tablename__ = "live_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    chat_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_chats.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    # The nurse's display name, "patient" or "assistant".
    author: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    # The patient's message id (the widget's), so a repeat delivery is recorded once.
    message_id: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# ------------------------------------------------------------------------------ learning loop
FEEDBACK_RATINGS = ("up", "down")


class AnswerFeedback(Base):
    """A patient's thumbs up or down on one answer of one reply, and what was missing.

    Tied to the answer's version the patient read and the (redacted) message it answered; a
    patient who changes their mind changes their one rating of that answer to that message.
    """

    __tablename__ = "answer_feedback"
    __table_args__ = (UniqueConstraint("conversation_id", "message_id", "answer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    message_id: Mapped[str] = mapped_column(String(100))
    turn_id: Mapped[int | None] = mapped_column(Integer)
    answer_id: Mapped[str] = mapped_column(String(80), index=True)
    answer_version: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(40), index=True)
    rating: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    message_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# Why a message is in the inbox, and what a reviewer decided about it.
INBOX_ORIGINS = ("fallback", "low_confidence", "thumbs_down", "nurse_marked")
INBOX_DECISIONS = ("intent", "out_of_scope", "needs_answer", "dismissed")


class InboxItem(Base):
    """A patient message to learn from (one per message), and the label a reviewer gave it.

    ``status`` is ``open`` until a nurse or admin decides: ``intent`` (``label`` names it),
    ``out_of_scope``, ``needs_answer`` (on the admins' list) or ``dismissed``. Labelled
    examples go to the reviewed NLU file unless ``held_back`` says why not.
    """

    __tablename__ = "inbox_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    turn_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    message_id: Mapped[str] = mapped_column(String(100), default="")
    text: Mapped[str] = mapped_column(Text)
    predicted_intent: Mapped[str] = mapped_column(String(80), default="")
    confidence: Mapped[float] = mapped_column(default=0.0)
    origins: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    held_back: Mapped[str] = mapped_column(Text, default="")
    labelled_by: Mapped[str] = mapped_column(String(80), default="")
    labelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


RELEASE_STATUSES = ("training", "failed", "candidate", "live", "previous", "discarded")


class ModelRelease(Base):
    """A trained model: a candidate from the console, the live one, or one kept to roll back to.

    ``evaluation`` holds its figures on the frozen test split, the yardstick and the frozen
    triage set (clinic_nlu.evaluation.candidate); ``progress`` what training is doing now.
    """

    __tablename__ = "model_releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), index=True)
    started_by: Mapped[str] = mapped_column(String(80), default="")
    config: Mapped[str] = mapped_column(String(300), default="")
    reviewed_examples: Mapped[int] = mapped_column(Integer, default=0)
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    progress: Mapped[str] = mapped_column(Text, default="")
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    training_seconds: Mapped[float | None] = mapped_column()
    evaluation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    activation_reason: Mapped[str] = mapped_column(Text, default="")
    activated_by: Mapped[str] = mapped_column(String(80), default="")
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
