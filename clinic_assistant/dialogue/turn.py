"""A patient's turn as the NLU understood it, and the reply the assistant gives to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clinic_common.topics import FALLBACK_INTENT


@dataclass(frozen=True)
class Clause:
    """One question of a message that asks several."""

    text: str
    intent: str
    confidence: float
    procedures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Turn:
    """The patient's latest message as the NLU model understood it."""

    text: str
    intent: str
    confidence: float
    intent_ranking: tuple[tuple[str, float], ...] = ()
    entities: dict[str, tuple[str, ...]] = field(default_factory=dict)
    slots: dict[str, Any] = field(default_factory=dict)
    sender_id: str = ""
    message_id: str = ""
    # The NLU server's learned triage opinion ({"level", "probabilities"}), if it gave one.
    triage_opinion: dict[str, Any] | None = None
    # Each question of a message that asks several, as the NLU understood it on its own.
    clauses: tuple[Clause, ...] = ()
    # The NLU fell back because the message is mostly words it has never seen.
    unknown_words: bool = False

    @property
    def top_guess(self) -> tuple[str, float]:
        """The model's own top intent and its confidence, whatever the fallback threshold made
        of it (("", 0.0) when the ranking has none)."""
        return next(
            ((name, conf) for name, conf in self.intent_ranking if name != FALLBACK_INTENT),
            ("", 0.0),
        )

    @property
    def best_guess(self) -> str:
        return self.top_guess[0]

    def confidence_of(self, intent: str) -> float:
        """The model's confidence in ``intent``, wherever it ranks it (0.0 if not ranked)."""
        return next((conf for name, conf in self.intent_ranking if name == intent), 0.0)

    def entity_values(self, entity: str) -> tuple[str, ...]:
        return self.entities.get(entity, ())


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


NURSE_BUTTON = Button(title="Talk to a nurse", payload="/request_nurse")


@dataclass(frozen=True)
class Message:
    text: str
    custom: dict[str, Any]
    buttons: tuple[Button, ...] = ()


@dataclass
class Reply:
    messages: list[Message] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    # Set when an urgent flag queued a staff alert: deliver it once the turn is committed.
    alert: bool = False
