"""Conversation tests: the scripted conversations in this folder, through the real servers.

Each ``*.yml`` here lists conversations named by the behaviour they show. A turn gives what the
patient says and what the reply must carry (topic, answer, sources, triage, text, buttons).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from clinic_assistant.contract import TOPICS, TRIAGE_LEVELS
from tests.support.stack import Chat

pytestmark = pytest.mark.conversation

TURN_KEYS = {"user", "topic", "answer_id", "sources", "triage", "text_contains", "buttons"}


def load_conversations() -> list[dict[str, Any]]:
    conversations = []
    for path in sorted(Path(__file__).parent.glob("*.yml")):
        for conversation in yaml.safe_load(path.read_text())["conversations"]:
            for turn in conversation["turns"]:
                unknown = set(turn) - TURN_KEYS
                assert not unknown, f"{path.name}: {conversation['name']}: unknown {unknown}"
            conversations.append(conversation)
    return conversations


def contract_of(reply: list[dict[str, Any]]) -> dict[str, Any]:
    """The reply's custom object, after checking it has exactly one and it is complete."""
    customs = [message["custom"] for message in reply if "custom" in message]
    assert len(customs) == 1, reply
    custom = customs[0]
    assert custom["topic"] in TOPICS
    assert isinstance(custom["answer_id"], str) and custom["answer_id"]
    assert custom["triage"]["level"] in TRIAGE_LEVELS
    assert isinstance(custom["triage"]["reason"], str)
    for source in custom["sources"]:
        assert source["publisher"] and source["document"]
    return custom


def check_turn(turn: dict[str, Any], reply: list[dict[str, Any]]) -> None:
    custom = contract_of(reply)
    said = " ".join(message.get("text", "") for message in reply)
    assert custom["topic"] == turn["topic"], (turn["user"], custom)
    if "answer_id" in turn:
        assert custom["answer_id"] == turn["answer_id"], (turn["user"], custom)
    if "sources" in turn:
        assert [s["publisher"] for s in custom["sources"]] == turn["sources"]
    assert custom["triage"]["level"] == turn.get("triage", "none"), (turn["user"], custom)
    for words in [turn["text_contains"]] if "text_contains" in turn else []:
        assert words.lower() in said.lower(), (turn["user"], said)
    if "buttons" in turn:
        buttons = [b for message in reply for b in message.get("buttons", [])]
        assert turn["buttons"] <= len(buttons) <= 3, buttons
        assert all(b["payload"].startswith("/") and b["title"] for b in buttons)


@pytest.mark.parametrize("conversation", load_conversations(), ids=lambda c: c["name"])
def test_conversation(conversation: dict[str, Any], chat: Chat) -> None:
    for turn in conversation["turns"]:
        check_turn(turn, chat.say(turn["user"]))
