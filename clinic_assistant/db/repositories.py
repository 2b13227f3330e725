"""Repositories: queries over one session. They never create, commit or close a session."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_assistant.db.models import Answer, AnswerVersion, Source


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

    def get(self, answer_id: str) -> Answer | None:
        return self.session.get(Answer, answer_id)

    def all(self) -> Sequence[Answer]:
        return self.session.scalars(select(Answer).order_by(Answer.topic, Answer.position)).all()

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

    def add_version(self, version: AnswerVersion) -> None:
        self.session.add(version)

    def versions(self, answer_id: str) -> Sequence[AnswerVersion]:
        query = (
            select(AnswerVersion)
            .where(AnswerVersion.answer_id == answer_id)
            .order_by(AnswerVersion.version)
        )
        return self.session.scalars(query).all()
