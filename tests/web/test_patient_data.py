"""A patient's data rights from the widget: download and "forget me", for the secret's holder."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clinic_assistant.app import AppContext
from clinic_assistant.db.models import AuditEvent, ConversationReview, Flag, TurnRecord
from clinic_assistant.settings import Settings
from clinic_assistant.transcripts import TrackerReader
from clinic_common.conversations import conversation_secret
from tests.web.test_nurse_pages import _tracker_with, say

KEY = "conversation-key-for-tests"
WIDGET_PAGE = "https://www.riverside-clinic.example"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, conversation_key=KEY, retention_days=180,
                   widget_origins=(WIDGET_PAGE,))  # fmt: skip


@pytest.fixture
def patient(app_context: AppContext, settings: Settings) -> str:
    """A conversation with a transcript, turns, a review, an open and a resolved flag."""
    sender = "web-patient-1"
    say(app_context, sender, "my wound is leaking and red", "report_symptom", "symptom")
    _tracker_with(settings, sender, [
        {"event": "user", "text": "my wound is leaking and red"},
        {"event": "bot", "text": "Call your surgical team now.", "data": {"custom": {}}},
    ])  # fmt: skip
    with app_context.database.unit_of_work() as session:
        session.add(ConversationReview(conversation_id=sender, notes="seen", tags=[]))
        old = session.scalars(select(Flag).where(Flag.conversation_id == sender)).one()
        session.add(Flag(reference="OLD-1", conversation_id=sender, message_text="earlier",
                         level="routine_followup", reason="r", kind="symptom",
                         status="resolved"))  # fmt: skip
        assert old.status == "open"
    return sender


def proof(sender: str, secret: str | None = None) -> dict:
    return {"sender": sender, "secret": secret or conversation_secret(KEY, sender)}


def audit_actions(app: AppContext) -> list[str]:
    with app.database.unit_of_work() as session:
        return [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_the_secret_s_holder_downloads_the_conversation_as_text(
    client: TestClient, patient: str, app_context: AppContext
) -> None:
    response = client.post("/patient/conversation/download", json=proof(patient),
                           headers={"Origin": WIDGET_PAGE})  # fmt: skip
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "attachment" in response.headers["content-disposition"]
    assert "You: my wound is leaking and red" in response.text
    assert "Assistant: Call your surgical team now." in response.text
    assert response.headers["access-control-allow-origin"] == WIDGET_PAGE
    assert audit_actions(app_context)[-1] == "patient_downloaded"


@pytest.mark.parametrize("secret", ["A" * 43, "wrong", ""])
def test_refuses_a_download_without_the_conversation_s_secret(
    client: TestClient, patient: str, secret: str
) -> None:
    body = {"sender": patient, "secret": secret}
    assert client.post("/patient/conversation/download", json=body).status_code == 403


def test_refuses_a_download_from_another_site_or_not_in_json(
    client: TestClient, patient: str
) -> None:
    evil = client.post("/patient/conversation/download", json=proof(patient),
                       headers={"Origin": "https://evil.example"})  # fmt: skip
    assert evil.status_code == 403
    assert "access-control-allow-origin" not in evil.headers
    form = client.post("/patient/conversation/download", data=proof(patient))
    assert form.status_code == 415


def test_forget_me_deletes_the_transcript_turns_and_reviews_and_keeps_what_nurses_need(
    client: TestClient, patient: str, app_context: AppContext, settings: Settings
) -> None:
    response = client.post("/patient/conversation/forget", json=proof(patient))
    assert response.status_code == 200
    assert TrackerReader(settings.tracker_reader_url).transcript(patient) == []
    with app_context.database.unit_of_work() as session:
        assert not session.scalars(select(TurnRecord).where(
            TurnRecord.conversation_id == patient)).all()  # fmt: skip
        assert session.get(ConversationReview, patient) is None
        (kept,) = session.scalars(select(Flag).where(Flag.conversation_id == patient)).all()
        assert kept.status == "open" and kept.message_text == "my wound is leaking and red"
        assert kept.events[-1].action == "patient_forgot"
    assert audit_actions(app_context)[-1] == "patient_forgot"


def test_forget_me_needs_the_secret_and_then_deletes_nothing(
    client: TestClient, patient: str, settings: Settings
) -> None:
    response = client.post("/patient/conversation/forget",
                           json={"sender": patient, "secret": "B" * 43})  # fmt: skip
    assert response.status_code == 403
    assert TrackerReader(settings.tracker_reader_url).transcript(patient)


def test_the_widget_is_told_what_is_kept_and_for_how_long(client: TestClient) -> None:
    policy = client.get("/patient/privacy").json()
    assert policy["retention_days"] == 180
    assert "kept for 180 days" in policy["notice"]
    assert "\n" not in policy["notice"]


def test_the_widget_s_pages_may_call_and_others_may_not(client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}  # fmt: skip
    ok = client.options("/patient/conversation/forget",
                        headers={"Origin": WIDGET_PAGE, **preflight})  # fmt: skip
    assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == WIDGET_PAGE
    refused = client.options("/patient/conversation/forget",
                             headers={"Origin": "https://evil.example", **preflight})  # fmt: skip
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
