"""What the assistant says in one turn, independent of Rasa's SDK.

Actions turn the tracker into a ``Turn``, call one of the functions here and send the ``Reply``
back. Every message carries the reply contract (``custom``) of DESIGN.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clinic_assistant.answers.service import AnswerService, AnswerView
from clinic_assistant.contract import Triage, reply_custom

# Offered when the model's own ranking does not give enough informational topics.
DEFAULT_SUGGESTION_INTENTS = ("ask_options", "ask_timing", "ask_what_is")
# Intents whose answers are not topics worth offering as a suggestion.
NOT_SUGGESTED = {"nlu_fallback", "greet"}


@dataclass(frozen=True)
class Turn:
    """The patient's latest message as the NLU model understood it."""

    text: str
    intent: str
    confidence: float
    intent_ranking: tuple[tuple[str, float], ...] = ()
    entities: dict[str, tuple[str, ...]] = field(default_factory=dict)
    slots: dict[str, Any] = field(default_factory=dict)

    def entity_values(self, entity: str) -> tuple[str, ...]:
        return self.entities.get(entity, ())


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Message:
    text: str
    custom: dict[str, Any]
    buttons: tuple[Button, ...] = ()


@dataclass
class Reply:
    messages: list[Message] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)


def _message(
    answer: AnswerView, triage: Triage, buttons: tuple[Button, ...] = (), **extra: Any
) -> Message:
    custom = reply_custom(
        topic=answer.topic,
        answer_id=answer.id,
        sources=answer.sources,
        triage=triage,
        title=answer.title,
        review_status=answer.review_status,
        **extra,
    )
    return Message(text=answer.text, custom=custom, buttons=buttons)


def answer_question(service: AnswerService, turn: Turn, triage: Triage) -> Reply:
    """Answer from the curated answer routed from the intent; topics to choose from if none."""
    procedures = turn.entity_values("procedure")
    answer = service.answer_for(turn.intent, procedures)
    if answer is None:
        return offer_topics(service, turn, triage)
    return Reply(
        messages=[_message(answer, triage)],
        slots={"last_topic": answer.topic, "last_answer_id": answer.id},
    )


def offer_topics(service: AnswerService, turn: Turn, triage: Triage) -> Reply:
    """Say the assistant is not sure, and offer two or three likely topics as buttons."""
    ranked = [name for name, _ in turn.intent_ranking if name not in NOT_SUGGESTED]
    suggestions = service.suggestions([*ranked, *DEFAULT_SUGGESTION_INTENTS], limit=3)
    answer = service.answer_for("nlu_fallback")
    if answer is None:
        raise LookupError("the answer store has no fallback answer; run the seed")
    buttons = tuple(Button(title=s.title, payload=f"/{s.intent}") for s in suggestions)
    message = _message(answer, triage, buttons, suggestions=[s.intent for s in suggestions])
    return Reply(messages=[message])
