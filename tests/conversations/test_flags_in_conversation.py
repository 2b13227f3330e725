"""Flags in a conversation: urgency lasts until staff resolve the flag; call-back numbers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinic_assistant.db import Database
from clinic_assistant.db.models import Flag
from clinic_assistant.flags import FlagService
from tests.support.stack import Chat

pytestmark = pytest.mark.conversation


def levels(reply: list[dict]) -> set[str]:
    return {m["custom"]["triage"]["level"] for m in reply if "custom" in m}


def test_replies_return_to_normal_once_a_nurse_resolves_the_flag(
    chat: Chat, stack_database: Database
) -> None:
    assert levels(chat.say("my wound is red and hot and the redness is spreading")) == {
        "contact_team_today"
    }
    # Acknowledged is not resolved: still urgent.
    with stack_database.unit_of_work() as session:
        flag = session.scalars(select(Flag).where(Flag.conversation_id == chat.sender)).one()
        FlagService(session).acknowledge(flag.id, "nurse.ann", "calling her now")
    assert levels(chat.say("what is a TAP flap?")) == {"contact_team_today"}

    with stack_database.unit_of_work() as session:
        flag = session.scalars(select(Flag).where(Flag.conversation_id == chat.sender)).one()
        FlagService(session).resolve(flag.id, "nurse.ann", "seen in clinic, antibiotics started")
    reply = chat.say("what is a TAP flap?")
    assert levels(reply) == {"none"}
    assert reply[-1]["custom"]["topic"] == "option_flap"


def test_a_phone_number_in_the_request_for_a_call_back_is_recorded_on_the_flag(
    chat: Chat, stack_database: Database
) -> None:
    chat.say("could a nurse ring me please, it's 07700 900456")
    with stack_database.unit_of_work() as session:
        flag = session.scalars(select(Flag).where(Flag.conversation_id == chat.sender)).one()
        assert flag.callback_phone == "07700 900456"
        assert flag.kind == "nurse_request"
