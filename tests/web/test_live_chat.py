"""A nurse in the patient's chat, through the web app: the waiting list, joining, lines both
ways for the right people only, handing back and closing, and the record of it (issue 17)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clinic_assistant.app import AppContext
from clinic_assistant.db.models import AuditEvent, Flag
from clinic_assistant.settings import ClinicDetails, Settings
from clinic_assistant.web.app import create_app
from clinic_common.conversations import conversation_secret
from tests.web.conftest import csrf_of, sign_in
from tests.web.test_nurse_pages import _tracker_with, say

KEY = "conversation-key-for-live-tests"
WIDGET_PAGE = "https://www.riverside-clinic.example"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, conversation_key=KEY, widget_origins=(WIDGET_PAGE,))


@pytest.fixture
def waiting(app_context: AppContext) -> AppContext:
    say(app_context, "web-asks", "can I talk to a nurse please", "request_nurse", "nurse")
    say(app_context, "web-asks", "I'm so worried about the scar", "express_worry")
    say(app_context, "web-chest", "my chest feels tight", "report_symptom", "symptom")
    return app_context


def join(nurse: TestClient, conversation: str):
    csrf = csrf_of(nurse.get("/console/live").text)
    return nurse.post(f"/console/live/{conversation}/join", data={"csrf_token": csrf},
                      follow_redirects=False)  # fmt: skip


def write(nurse: TestClient, conversation: str, text: str):
    csrf = csrf_of(nurse.get(f"/console/live/{conversation}").text)
    return nurse.post(f"/console/live/{conversation}/messages",
                      data={"csrf_token": csrf, "text": text},
                      headers={"Accept": "application/json"})  # fmt: skip


def patient_lines(client: TestClient, sender: str, secret: str | None = None, after: int = 0):
    secret = conversation_secret(KEY, sender) if secret is None else secret
    return client.get("/patient/live/lines", params={"sender": sender, "secret": secret,
                      "after": after}, headers={"Origin": WIDGET_PAGE})  # fmt: skip


def audit_actions(app: AppContext) -> list[str]:
    with app.database.unit_of_work() as session:
        return [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_the_waiting_list_has_the_most_urgent_first_with_how_long_and_a_join_button(
    nurse: TestClient, waiting
) -> None:
    html = nurse.get("/console/live").text
    assert html.index("chest pain or tightness") < html.index("asked to speak to a nurse")
    assert html.count(">Join</button>") == 2
    assert "just now" in html
    listed = nurse.get("/console/live/waiting.json").json()["waiting"]
    assert [row["conversation_id"] for row in listed] == ["web-chest", "web-asks"]


def test_joining_shows_the_summary_and_the_patient_is_told_the_nurse_s_first_name(
    nurse: TestClient, waiting, app_context: AppContext, client: TestClient
) -> None:
    response = join(nurse, "web-asks")
    assert response.headers["location"] == "/console/live/web-asks"
    page = nurse.get("/console/live/web-asks").text
    assert "Summary" in page and "I&#39;m so worried about the scar" in page
    assert "routine</strong>: asked to speak to a nurse" in page
    (line,) = patient_lines(client, "web-asks").json()
    assert line["kind"] == "joined"
    assert line["text"].startswith("Nina, a nurse, has joined")
    assert "live_chat_joined" in audit_actions(app_context)
    with app_context.database.unit_of_work() as session:
        flag = session.scalars(select(Flag).where(Flag.conversation_id == "web-asks")).one()
        assert (flag.status, flag.handled_by) == ("acknowledged", "nina.nurse")


def test_the_nurse_s_messages_reach_only_the_holder_of_the_conversation_s_secret(
    nurse: TestClient, waiting, client: TestClient
) -> None:
    join(nurse, "web-asks")
    sent = write(nurse, "web-asks", "Hello, I'm Nina. How can I help?")
    assert sent.status_code == 200
    lines = patient_lines(client, "web-asks").json()
    assert [(line["kind"], line["author"]) for line in lines][-1] == ("nurse", "Nina Nurse")
    assert patient_lines(client, "web-asks", after=lines[-1]["id"]).json() == []
    assert patient_lines(client, "web-asks", secret="").status_code == 403
    assert patient_lines(client, "web-asks", secret="x" * 43).status_code == 403
    other = conversation_secret(KEY, "web-chest")
    assert patient_lines(client, "web-asks", secret=other).status_code == 403
    stream = client.get("/patient/live/stream", params={"sender": "web-asks", "secret": ""})
    assert stream.status_code == 403


def test_the_console_s_side_of_a_chat_needs_a_signed_in_nurse(client: TestClient, waiting):
    for path in ("/console/live", "/console/live/web-asks", "/console/live/web-asks/lines",
                 "/console/live/web-asks/stream"):  # fmt: skip
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and "/console/login" in response.headers["location"]


def test_only_the_nurse_in_the_chat_can_write_in_it(
    nurse: TestClient, waiting, settings: Settings, web_database
) -> None:
    join(nurse, "web-asks")
    with TestClient(create_app(settings)) as other:
        sign_in(other, "adam.admin")
        refused = write(other, "web-asks", "I'm here too")
        assert refused.status_code == 409 and "Nina" in refused.json()["error"]
        assert "already" in other.get(join(other, "web-asks").headers["location"]).text


def test_handing_back_and_closing_tell_the_patient_and_are_audited(
    nurse: TestClient, waiting, client: TestClient, app_context: AppContext
) -> None:
    join(nurse, "web-asks")
    csrf = csrf_of(nurse.get("/console/live/web-asks").text)
    nurse.post("/console/live/web-asks/hand-back", data={"csrf_token": csrf})
    join(nurse, "web-chest")
    nurse.post("/console/live/web-chest/close", data={"csrf_token": csrf})
    back = patient_lines(client, "web-asks").json()[-1]
    assert back["kind"] == "handed_back" and "handed you back to the assistant" in back["text"]
    closed = patient_lines(client, "web-chest").json()[-1]
    assert closed["kind"] == "closed" and "01632 960 123" in closed["text"]
    assert {"live_chat_handed_back", "live_chat_closed"} <= set(audit_actions(app_context))
    assert write(nurse, "web-asks", "one more thing").status_code == 409


def test_the_transcript_and_its_csv_say_who_said_what(
    nurse: TestClient, waiting, settings: Settings
) -> None:
    _tracker_with(settings, "web-asks", [
        {"event": "user", "text": "can I talk to a nurse please"},
        {"event": "bot", "text": "I have asked the nurses to look at this conversation.",
         "data": {"custom": {"topic": "needs_surgeon_decision"}}},
        {"event": "user", "text": "thank you"},
        {"event": "bot", "text": "", "data": {"custom": {"live_chat": {"nurse": "Nina"}}}},
    ])  # fmt: skip
    join(nurse, "web-asks")
    write(nurse, "web-asks", "Hello, I'm Nina.")
    page = nurse.get("/console/conversations/web-asks").text
    assert "Nurse Nina Nurse" in page and "Hello, I&#39;m Nina." in page
    rows = nurse.get("/console/conversations/web-asks/transcript.csv").text.splitlines()
    whos = [row.split(",")[1] for row in rows[1:]]
    assert whos == ["Patient", "Assistant", "Patient", "Nurse Nina", "Nurse Nina Nurse"]


def test_out_of_hours_the_widget_is_told_when_nurses_are_in(
    settings: Settings, web_database
) -> None:
    closed = replace(settings, clinic=replace(settings.clinic, team_line_open="Mon-Fri 00:00-00:01",
                                              timezone="UTC"))  # fmt: skip
    sender = "web-late"
    proof = {"sender": sender, "secret": conversation_secret(KEY, sender)}
    with TestClient(create_app(closed)) as client:
        status = client.post("/patient/live/status", json=proof,
                             headers={"Origin": WIDGET_PAGE}).json()  # fmt: skip
    assert status["in_hours"] is False
    assert status["team_hours"] == "8am to 6pm on weekdays"
    assert status["active"] is False


def test_hours_not_given_mean_a_nurse_may_join_at_any_time() -> None:
    from clinic_assistant.live.hours import nurses_available

    clinic = ClinicDetails("c", "1", "weekdays", "999")
    assert nurses_available(clinic)
