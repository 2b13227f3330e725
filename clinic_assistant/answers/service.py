"""Choosing the curated answer for a question and rendering it for the patient."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from clinic_assistant.answers.catalogue import UNSOURCED_TOPICS
from clinic_assistant.db.models import Answer
from clinic_assistant.db.repositories import AnswerRepository, SourceRepository
from clinic_common.contract import SourceRef

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


def keyword_hits(answer: Answer, text: str) -> int:
    """How many of the answer's keywords start a word of the text ("benefit" in "benefits")."""
    lowered = text.lower()
    return sum(1 for keyword in answer.keywords if re.search(rf"\b{re.escape(keyword)}", lowered))


def choose(
    candidates: Sequence[Answer], procedures: Iterable[str] = (), text: str = ""
) -> Answer | None:
    """The best answer for the question among those routed from its intent.

    Answers about a procedure the patient named come first; among those left, the one whose
    keywords the message uses most; with no keyword in the message, the topic's general answer
    (one not tied to a procedure), else the first in catalogue order.
    """
    wanted = set(procedures)
    about_named = [a for a in candidates if wanted & set(a.procedures)]
    pool = about_named or list(candidates)
    if not pool:
        return None
    scores = [keyword_hits(answer, text) for answer in pool]
    if max(scores) > 0:
        return pool[scores.index(max(scores))]
    if not about_named:
        general = [a for a in pool if not a.procedures and not a.keywords]
        if general:
            return general[0]
    return pool[0]


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
                SourceRef(s.publisher, s.document, s.title, s.description)
                for key in answer.sources
                if (s := found.get(key)) is not None
            ),
            review_status=answer.review_status,
        )

    def answer_for(
        self, intent: str, procedures: Iterable[str] = (), text: str = ""
    ) -> AnswerView | None:
        answer = choose(self.answers.for_intent(intent), procedures, text)
        return self.view(answer) if answer else None

    def next_in_topic(self, topic: str, given: Iterable[str]) -> AnswerView | None:
        """The first answer of the topic the patient has not been given yet ("tell me more")."""
        given = set(given)
        for answer in self.answers.in_topic(topic):
            if answer.id not in given:
                return self.view(answer)
        return None

    def about_procedure(self, procedure: str, text: str = "") -> AnswerView | None:
        """The answer about a procedure: among its option answers, the one whose keywords the
        message uses most ("benefits of a reduction"), else the first (the general one)."""
        about = [a for a in self.answers.all() if procedure in a.procedures]
        options = [a for a in about if a.topic.startswith("option_")]
        chosen = choose(options or about, (procedure,), text)
        return self.view(chosen) if chosen else None

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
