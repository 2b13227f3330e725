"""Choosing the curated answer for a question and rendering it for the patient."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from clinic_assistant.answers.catalogue import UNSOURCED_TOPICS
from clinic_assistant.contract import SourceRef
from clinic_assistant.db.models import Answer
from clinic_assistant.db.repositories import AnswerRepository, SourceRepository

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class AnswerView:
    """An answer as the patient sees it: placeholders filled, sources resolved."""

    id: str
    topic: str
    title: str
    text: str
    sources: tuple[SourceRef, ...]
    review_status: str


@dataclass(frozen=True)
class Suggestion:
    """A topic offered as a button: its title and the intent its payload triggers."""

    title: str
    intent: str


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """Fill known ``{name}`` placeholders; anything else in braces is left as written."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def choose(candidates: Sequence[Answer], procedures: Iterable[str]) -> Answer | None:
    """The answer about a procedure the patient named, else the topic's general answer."""
    wanted = set(procedures)
    if wanted:
        for answer in candidates:
            if wanted & set(answer.procedures):
                return answer
    general = [answer for answer in candidates if not answer.procedures]
    return (general or list(candidates) or [None])[0]


class AnswerService:
    def __init__(self, session: Session, placeholders: Mapping[str, str]) -> None:
        self.answers = AnswerRepository(session)
        self.sources = SourceRepository(session)
        self.placeholders = placeholders

    def view(self, answer: Answer) -> AnswerView:
        found = self.sources.by_keys(answer.sources)
        return AnswerView(
            id=answer.id,
            topic=answer.topic,
            title=answer.title,
            text=fill_placeholders(answer.text, self.placeholders),
            sources=tuple(
                SourceRef(publisher=s.publisher, document=s.document, title=s.title)
                for key in answer.sources
                if (s := found.get(key)) is not None
            ),
            review_status=answer.review_status,
        )

    def answer_for(self, intent: str, procedures: Iterable[str] = ()) -> AnswerView | None:
        answer = choose(self.answers.for_intent(intent), procedures)
        return self.view(answer) if answer else None

    def suggestions(self, ranked_intents: Iterable[str], limit: int = 3) -> list[Suggestion]:
        """Up to ``limit`` topics, one per intent in the order given, for fallback buttons."""
        suggestions: list[Suggestion] = []
        topics_offered: set[str] = set()
        for intent in ranked_intents:
            answer = choose(self.answers.for_intent(intent), ())
            if answer is None or answer.topic in topics_offered or answer.topic in UNSOURCED_TOPICS:
                continue
            topics_offered.add(answer.topic)
            suggestions.append(Suggestion(title=answer.title, intent=intent))
            if len(suggestions) == limit:
                break
        return suggestions
