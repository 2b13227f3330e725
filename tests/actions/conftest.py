"""Run actions the way the action server does: a real Tracker in, a dispatcher out."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    text: str,
    intent: str,
    confidence: float = 0.95,
    *,
    entities: list[dict[str, Any]] | None = None,
    ranking: list[tuple[str, float]] | None = None,
    slots: dict[str, Any] | None = None,
    sender: str = "test-patient",
) -> Tracker:
    ranking = ranking or [(intent, confidence)]
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "entities": entities or [],
        "message_id": "m-" + str(abs(hash(text))),
    }
    return Tracker(
        sender_id=sender,
        slots=slots or {},
        latest_message=latest,
        events=[{"event": "user", "text": text, "parse_data": latest}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


class ActionRun:
    def __init__(self, messages: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
        self.messages = messages
        self.events = events

    @property
    def custom(self) -> dict[str, Any]:
        """The reply's only custom object (most replies have one message)."""
        (message,) = self.messages
        return message["custom"]

    @property
    def customs(self) -> list[dict[str, Any]]:
        return [message["custom"] for message in self.messages]

    @property
    def topics(self) -> list[str]:
        return [custom["topic"] for custom in self.customs]

    @property
    def text(self) -> str:
        return " ".join(message["text"] for message in self.messages)

    def slot(self, name: str) -> Any:
        values = [e["value"] for e in self.events if e.get("event") == "slot" and e["name"] == name]
        return values[-1] if values else None


@pytest.fixture
def run_action():
    def run(action: Action, tracker: Tracker) -> ActionRun:
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, {}))
        return ActionRun(dispatcher.messages, events)

    return run
