"""The console's learning pages in-process: marking a message misunderstood from a transcript,
labelling it in the inbox (written to the reviewed file), and who may do what."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from clinic_assistant.app import AppContext
from clinic_assistant.db.models import AuditEvent, InboxItem, TurnRecord
from clinic_assistant.dialogue import Turn, respond
from clinic_assistant.settings import Settings
from clinic_common.corpus import REVIEWED_METADATA
from tests.web.conftest import csrf_of


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The reviewed examples go to a file of the test's own, not the project's."""
    return replace(settings, reviewed_nlu=tmp_path / "reviewed.yml")


@pytest.fixture
def answered(app_context: AppContext) -> int:
    """A patient message the model answered confidently, about the wrong thing."""
    turn = Turn(text="can I drive to work after the op?", intent="ask_flap", confidence=0.93,
                sender_id="p-drive", message_id="m-drive")  # fmt: skip
    respond(app_context, turn, "answer")
    with app_context.database.unit_of_work() as session:
        return session.query(TurnRecord).filter_by(conversation_id="p-drive").one().id


def test_a_nurse_marks_a_message_misunderstood_and_labels_it_in_the_inbox(
    nurse: TestClient, answered: int, settings: Settings, app_context: AppContext
) -> None:
    transcript = nurse.get("/console/conversations/p-drive").text
    assert "Did the assistant understand?" in transcript
    nurse.post(f"/console/conversations/p-drive/turns/{answered}/misunderstood",
               data={"csrf_token": csrf_of(transcript)})  # fmt: skip
    assert "In the inbox" in nurse.get("/console/conversations/p-drive").text

    inbox = nurse.get("/console/inbox?origin=nurse_marked").text
    assert "can I drive to work after the op?" in inbox and "nurse marked" in inbox
    with app_context.database.unit_of_work() as session:
        item_id = session.query(InboxItem).one().id
    nurse.post(f"/console/inbox/{item_id}", data={
        "csrf_token": csrf_of(inbox), "decision": "intent", "intent": "ask_recovery"})  # fmt: skip

    blocks = yaml.safe_load(settings.reviewed_nlu.read_text())["nlu"]
    assert blocks == [{"intent": "ask_recovery", "metadata": REVIEWED_METADATA,
                       "examples": "- can I drive to work after the op?\n"}]  # fmt: skip
    assert "nurse_marked · conversation p-drive · labelled by nina.nurse" in (
        settings.reviewed_nlu.read_text()
    )
    with app_context.database.unit_of_work() as session:
        actions = [e.action for e in session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-2:] == ["message_marked_misunderstood", "inbox_labelled"]


def test_an_unknown_intent_is_refused_with_a_clear_message_and_nothing_is_written(
    nurse: TestClient, answered: int, settings: Settings, app_context: AppContext
) -> None:
    transcript = nurse.get("/console/conversations/p-drive").text
    nurse.post(f"/console/conversations/p-drive/turns/{answered}/misunderstood",
               data={"csrf_token": csrf_of(transcript)})  # fmt: skip
    with app_context.database.unit_of_work() as session:
        item_id = session.query(InboxItem).one().id
    form = {"csrf_token": csrf_of(transcript), "decision": "intent", "intent": "ask_banana"}
    refused = nurse.post(f"/console/inbox/{item_id}", data=form)
    assert refused.status_code == 400
    assert "Choose one of the assistant&#39;s intents" in refused.text
    assert not settings.reviewed_nlu.exists()


def test_models_are_for_admins_and_the_inbox_for_nurses_and_admins(
    nurse: TestClient,
) -> None:
    assert nurse.get("/console/models").status_code == 403
    assert nurse.get("/console/inbox/new-answers").status_code == 403
    assert nurse.get("/console/inbox").status_code == 200
