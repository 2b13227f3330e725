"""Through the real servers: an answer a clinician has not signed off carries its review status
and a notice for the patient; its AI-generated source is described as what it is."""

from __future__ import annotations

import pytest

from clinic_assistant.dialogue.reply import REVIEW_NOTICE
from tests.support.stack import Chat

pytestmark = pytest.mark.conversation


def test_an_answer_awaiting_clinical_review_carries_the_status_and_the_notice(chat: Chat) -> None:
    reply = chat.say("can I have another lumpectomy instead of a mastectomy if it comes back?")
    (custom,) = [message["custom"] for message in reply if "custom" in message]
    assert custom["answer_id"] == "recurrence-repeat-lumpectomy"
    assert custom["review_status"] == "needs_clinical_review"
    assert custom["notice"] == REVIEW_NOTICE
    assert custom["sources"][0]["publisher"] == "Dr.Oracle"
    assert custom["sources"][0]["description"] == "AI-generated summary written for doctors"


def test_a_checked_answer_carries_no_notice(chat: Chat) -> None:
    reply = chat.say("what is a TAP flap?")
    customs = [message["custom"] for message in reply if "custom" in message]
    assert customs[0]["review_status"] == "source_verified"
    assert all("notice" not in custom for custom in customs)
