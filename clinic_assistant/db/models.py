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

    ``intents`` and ``procedures`` route questions to the answer; they come from the YAML under
    ``data/answers/`` and belong to developers. Text, title, sources and review status are the
    content staff may edit; every change is kept in ``answer_versions``.
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
