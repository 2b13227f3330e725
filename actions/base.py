"""The base of every patient-facing action: tracker in, reply contract out.

Each action only says what kind of turn it handles; ``clinic_assistant.dialogue.respond``
triages the message first whatever that kind is, so no rule or story can answer a patient
without triage and the reply contract.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from clinic_assistant.app import AppContext, current
from clinic_assistant.dialogue import Clause, Turn, respond


def turn_from_tracker(tracker: Tracker) -> Turn:
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    entities: dict[str, list[str]] = {}
    for entity in message.get("entities") or []:
        values = entities.setdefault(entity["entity"], [])
        if entity.get("value") not in values:
            values.append(entity.get("value"))
    return Turn(
        text=message.get("text") or "",
        intent=intent.get("name") or "",
        confidence=float(intent.get("confidence") or 0.0),
        intent_ranking=tuple(
            (ranked["name"], float(ranked.get("confidence") or 0.0))
            for ranked in message.get("intent_ranking") or []
        ),
        entities={name: tuple(values) for name, values in entities.items()},
        slots=dict(tracker.slots),
        sender_id=tracker.sender_id,
        message_id=str(message.get("message_id") or ""),
        triage_opinion=message.get("triage_opinion"),
        clauses=tuple(_clause(data) for data in message.get("clauses") or []),
        unknown_words=bool(message.get("unknown_words")),
    )


def _clause(data: dict[str, Any]) -> Clause:
    intent = data.get("intent") or {}
    return Clause(
        text=str(data.get("text") or ""),
        intent=str(intent.get("name") or ""),
        confidence=float(intent.get("confidence") or 0.0),
        procedures=tuple(
            dict.fromkeys(
                str(e["value"])
                for e in data.get("entities") or []
                if e.get("entity") == "procedure"
            )
        ),
    )


class ClinicAction(Action, ABC):
    """Sends the messages of the turn's reply and sets its slots.

    The work (triage, database) runs in a worker thread so one slow query never stalls the
    server's event loop for every other patient.
    """

    kind: ClassVar[str]

    def __init__(self, app: AppContext | None = None) -> None:
        self._app = app

    @property
    def app(self) -> AppContext:
        return self._app or current()

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = turn_from_tracker(tracker)
        reply = await asyncio.to_thread(respond, self.app, turn, self.kind)
        for message in reply.messages:
            dispatcher.utter_message(
                text=message.text,
                buttons=[{"title": b.title, "payload": b.payload} for b in message.buttons],
                json_message=message.custom,
            )
        return [SlotSet(name, value) for name, value in reply.slots.items()]
