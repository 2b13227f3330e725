"""Conversations are kept in the SQLite tracker store, so they survive a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.stack import Chat, stack_settings, start_stack

pytestmark = pytest.mark.conversation


def test_a_conversation_continues_with_its_history_after_a_restart(
    tmp_path: Path, project_root: Path, trained_model: Path
) -> None:
    settings = stack_settings(project_root, tmp_path)
    first = start_stack(settings, trained_model, tmp_path)
    try:
        chat = Chat(first.config, sender="returning-patient")
        chat.say("what is a TAP flap?")
    finally:
        first.stop()

    second = start_stack(settings, trained_model, tmp_path)
    try:
        chat = Chat(second.config, sender="returning-patient")
        chat.say("and implants?")
        tracker = chat.tracker()
    finally:
        second.stop()
    said = [event["text"] for event in tracker["events"] if event["event"] == "user"]
    assert said == ["what is a TAP flap?", "and implants?"]
    assert tracker["slots"]["last_answer_id"] == "implant-overview"
