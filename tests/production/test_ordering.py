"""Two messages of one conversation arriving at two Rasa servers at once are handled in order:
the Redis lock store makes the second server wait for the first."""

from __future__ import annotations

import threading
import time

import pytest

from tests.production.conftest import Production
from tests.production.patients import Patient

pytestmark = pytest.mark.production


def test_a_follow_up_sent_to_another_server_waits_for_the_question_before_it(
    production: Production,
) -> None:
    first_port, second_port = production.config.rasa_ports
    at_first = production.patient(port=first_port)
    at_second = Patient(second_port, at_first.sender)
    replies = {}

    def ask() -> None:
        replies["question"] = at_first.say("what is a TAP flap?")

    question = threading.Thread(target=ask)
    question.start()
    time.sleep(0.05)  # the follow-up leaves 50 ms later (mid-answer), to the other server
    replies["follow_up"] = at_second.say("and the risks?")
    question.join()

    assert replies["question"].customs[0]["topic"] == "option_flap"
    follow_up = replies["follow_up"].customs
    assert follow_up[-1]["topic"] == "risks"
    assert follow_up[-1].get("context", {}).get("procedure") == "tap_flap"
    stored = [e["text"] for e in production.tracker_events(at_first.sender) if e["event"] == "user"]
    assert stored == ["what is a TAP flap?", "and the risks?"]
