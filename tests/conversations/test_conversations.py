"""Conversation tests: the scripted conversations in this folder, through the real servers.

Each ``*.yml`` here lists conversations named by the behaviour they show. A turn gives what the
patient says and what the reply must carry: the topic of its first message (or the topics of
all its messages), answer ids, sources, the triage level and reason, words of the text, buttons,
and for flagged turns the flag recorded for the nurses and the email alert to staff.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from clinic_assistant.db import Database
from clinic_assistant.db.models import Flag
from clinic_common.contract import TOPICS, TRIAGE_LEVELS
from tests.support.smtp import SmtpServer
from tests.support.stack import Chat

pytestmark = pytest.mark.conversation

TURN_KEYS = {
    "user", "topic", "topics", "answer_id", "sources", "triage", "reason", "text_contains",
    "buttons", "flag", "alert", "context",
}  # fmt: skip


def load_conversations() -> list[dict[str, Any]]:
    conversations = []
    for path in sorted(Path(__file__).parent.glob("*.yml")):
        for conversation in yaml.safe_load(path.read_text())["conversations"]:
            for turn in conversation["turns"]:
                unknown = set(turn) - TURN_KEYS
                assert not unknown, f"{path.name}: {conversation['name']}: unknown {unknown}"
            conversations.append(conversation)
    return conversations


def contracts_of(reply: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every custom object of the reply, after checking each is complete."""
    customs = [message["custom"] for message in reply if "custom" in message]
    assert customs, reply
    for custom in customs:
        assert custom["topic"] in TOPICS
        assert isinstance(custom["answer_id"], str) and custom["answer_id"]
        assert custom["triage"]["level"] in TRIAGE_LEVELS
        assert isinstance(custom["triage"]["reason"], str)
        for source in custom["sources"]:
            assert source["publisher"] and source["document"]
    # One turn, one triage: every message of the reply carries the same.
    assert len({str(custom["triage"]) for custom in customs}) == 1
    return customs


def check_turn(turn: dict[str, Any], reply: list[dict[str, Any]]) -> None:
    customs = contracts_of(reply)
    first, said = customs[0], " ".join(message.get("text", "") for message in reply)
    where = (turn["user"], customs)
    if "topic" in turn:
        assert first["topic"] == turn["topic"], where
    if "topics" in turn:
        assert [c["topic"] for c in customs] == turn["topics"], where
    if "answer_id" in turn:
        assert first["answer_id"] == turn["answer_id"], where
    if "sources" in turn:
        assert [s["publisher"] for s in first["sources"]] == turn["sources"], where
    assert first["triage"]["level"] == turn.get("triage", "none"), where
    if "reason" in turn:
        assert turn["reason"] in first["triage"]["reason"], where
    if "context" in turn:
        assert customs[-1].get("context", {}).get("procedure") == turn["context"], where
    for words in [turn["text_contains"]] if "text_contains" in turn else []:
        assert words.lower() in said.lower(), (turn["user"], said)
    if "buttons" in turn:
        buttons = [b for message in reply for b in message.get("buttons", [])]
        assert turn["buttons"] <= len(buttons) <= 3, buttons
        assert all(b["payload"].startswith("/") and b["title"] for b in buttons)


def check_flag(
    turn: dict[str, Any], chat: Chat, reply: list[dict[str, Any]], database: Database,
    smtp: SmtpServer,
) -> None:  # fmt: skip
    with database.unit_of_work() as session:
        flags = list(session.scalars(select(Flag).where(Flag.conversation_id == chat.sender)))
    if "flag" not in turn:
        return
    assert len(flags) == 1, flags
    (flag,) = flags
    assert (flag.level, flag.status) == (turn["flag"], "open")
    assert flag.message_text == turn["user"]
    assert reply[-1]["custom"]["flag_reference"] == flag.reference
    if turn.get("alert"):
        email = smtp.inbox.wait_for(flag.reference)
        assert flag.reason in smtp.inbox.subject(email)


@pytest.mark.parametrize("conversation", load_conversations(), ids=lambda c: c["name"])
def test_conversation(
    conversation: dict[str, Any], chat: Chat, stack_database: Database, smtp_server: SmtpServer
) -> None:
    for turn in conversation["turns"]:
        reply = chat.say(turn["user"])
        check_turn(turn, reply)
        check_flag(turn, chat, reply, stack_database, smtp_server)
