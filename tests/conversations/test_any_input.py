"""Whatever characters a message holds, it is triaged, answered, flagged and stored.

Emoji with variation selectors, joined emoji, zero-width and right-to-left marks, combining
accents and lone surrogates once made the NLU fail: no triage, no flag, nothing stored.
"""

from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import select

from clinic_assistant.db import Database
from clinic_assistant.db.models import Flag
from tests.support.stack import Chat

pytestmark = pytest.mark.conversation

SIGN = "I have chest pain and I can't breathe"
DECORATIONS = {
    "an emoji with a variation selector": f"{SIGN} ❤️",
    "a joined emoji sequence": f"👩‍⚕️ {SIGN} 👨‍👩‍👧",
    "a skin-tone modifier and a flag": f"{SIGN} 👍🏽 🇬🇧",
    "zero-width spaces and joiners": SIGN.replace(" ", " \u200b") + "\u200d\ufeff",
    "right-to-left and bidirectional marks": f"\u200f\u202b{SIGN}\u202c\u2066x\u2069",
    "combining marks": f"{SIGN} cafe\u0301 n\u0303",
    "emoji only around the words": f"😭😭😭 {SIGN} 🙏🙏",
    "a character newer than this Python's Unicode tables": f"{SIGN} \U0001fae8",
}


def say_raw(chat: Chat, body: bytes) -> list[dict]:
    response = requests.post(
        chat.config.webhook_url, data=body, headers={"Content-Type": "application/json"},
        timeout=30,
    )  # fmt: skip
    response.raise_for_status()
    return response.json()


def check_handled(chat: Chat, reply: list[dict], database: Database) -> None:
    customs = [m["custom"] for m in reply if "custom" in m]
    # The safety message, first, at the emergency level.
    assert customs[0]["topic"] == "red_flag", customs
    assert customs[0]["triage"]["level"] == "emergency"
    assert "999" in reply[0]["text"]
    # The nurses' flag.
    with database.unit_of_work() as session:
        flags = list(session.scalars(select(Flag).where(Flag.conversation_id == chat.sender)))
    assert [flag.level for flag in flags] == ["emergency"]
    # The message is in the transcript.
    said = [e["text"] for e in chat.tracker()["events"] if e["event"] == "user"]
    assert len(said) == 1 and "chest pain" in said[0]


@pytest.mark.parametrize("text", DECORATIONS.values(), ids=DECORATIONS.keys())
def test_triages_flags_and_stores_a_message_whatever_its_characters(
    text: str, chat: Chat, stack_database: Database
) -> None:
    check_handled(chat, chat.say(text), stack_database)


def test_triages_flags_and_stores_a_message_with_a_lone_surrogate(
    chat: Chat, stack_database: Database
) -> None:
    # JSON may carry a lone UTF-16 surrogate (\ud83d without its pair): valid JSON, not UTF-8.
    body = json.dumps({"sender": chat.sender, "message": SIGN + " \ud83d"}).encode()
    assert b"\\ud83d" in body
    check_handled(chat, say_raw(chat, body), stack_database)


def test_a_message_of_invisible_characters_only_is_refused_clearly(chat: Chat) -> None:
    response = requests.post(
        chat.config.webhook_url,
        json={"sender": chat.sender, "message": "\u200b\u200d\ufe0f"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()[0]["text"] == "Please type a message."
