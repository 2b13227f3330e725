"""Through the real servers: the written forms of personal details are not stored anywhere."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from clinic_assistant.db import Database
from clinic_assistant.db.models import Flag, TurnRecord
from tests.support.stack import Chat

pytestmark = pytest.mark.conversation

SPELLED_OUT = (
    "my wound is red and hot, I was born on the 8th of September 1966, ring me on oh seven "
    "seven double oh nine hundred one two three or email jane at example dot com"
)
RAW = ("8th of September 1966", "double oh nine", "example dot com", "jane at")


def test_spelled_out_details_are_redacted_in_the_tracker_the_turn_index_and_the_flag(
    chat: Chat, stack_database: Database
) -> None:
    chat.say(SPELLED_OUT)
    stored = json.dumps(chat.tracker()["events"])
    with stack_database.unit_of_work() as session:
        turns = session.scalars(
            select(TurnRecord.text).where(TurnRecord.conversation_id == chat.sender)
        ).all()
        flags = session.scalars(
            select(Flag.message_text).where(Flag.conversation_id == chat.sender)
        ).all()
    for place, text in (("tracker", stored), ("turns", " ".join(turns)),
                        ("flags", " ".join(flags))):  # fmt: skip
        for detail in RAW:
            assert detail not in text, f"{detail!r} stored in the {place}"
    assert "[date of birth]" in turns[0] and "[phone]" in turns[0] and "[email]" in turns[0]
