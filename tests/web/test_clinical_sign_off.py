"""A clinician (or an admin acting for one) signs an answer off in the console: name, date and
note, kept in the version history and the audit log; patients then read it without the notice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clinic_assistant.app import AppContext
from clinic_assistant.db import Database
from clinic_assistant.db.models import AuditEvent
from clinic_assistant.db.repositories import AnswerRepository
from clinic_assistant.dialogue import Turn, respond
from clinic_assistant.web.security import Accounts
from tests.web.conftest import csrf_of, sign_in

ANSWER = "recurrence-standard-treatment"
PAGE = f"/console/answers/{ANSWER}"


@pytest.fixture
def clinician(client: TestClient, web_database: Database) -> TestClient:
    with web_database.unit_of_work() as session:
        Accounts(session, timedelta(minutes=30)).create(
            "cara.clinician", "Dr Cara Clinician", "clinician", "correct horse battery"
        )
    assert sign_in(client, "cara.clinician").status_code == 303
    return client


def _approve(client: TestClient, **fields: str):
    form = {"clinician": "Dr Cara Clinician", "reviewed_on": date.today().isoformat(),
            "note": "Checked against the source and our local pathway."} | fields  # fmt: skip
    token = csrf_of(client.get(PAGE).text)
    return client.post(f"{PAGE}/approve", data={"csrf_token": token, **form})


def _patient_custom(app: AppContext) -> dict:
    turn = Turn(text="what is the treatment if it comes back in the same breast",
                intent="ask_recurrence_treatment", confidence=0.9, sender_id="p")  # fmt: skip
    return respond(app, turn, "answer").messages[0].custom


def test_a_clinician_signs_off_an_answer_and_patients_no_longer_get_the_notice(
    clinician: TestClient, app_context: AppContext, web_database: Database
) -> None:
    assert _patient_custom(app_context)["review_status"] == "needs_clinical_review"
    page = clinician.get(PAGE)
    assert page.status_code == 200 and "Approve clinically" in page.text
    assert 'id="answer-form"' not in page.text  # clinicians sign off; admins edit
    response = _approve(clinician)
    assert response.status_code == 200
    assert "clinically approved by <strong>Dr Cara Clinician</strong>" in response.text
    custom = _patient_custom(app_context)
    assert custom["review_status"] == "clinically_approved" and "notice" not in custom
    with web_database.unit_of_work() as session:
        versions = AnswerRepository(session).versions(ANSWER)
        signed = versions[-1]
        assert (signed.version, signed.author, signed.approved_by) == (
            2,
            "cara.clinician",
            "Dr Cara Clinician",
        )
        assert signed.approved_on == date.today()
        assert signed.text == versions[-2].text
        assert signed.reason.startswith("Clinically approved by Dr Cara Clinician on ")
        (event,) = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "answer_clinically_approved")
        )
        assert (event.actor, event.target) == ("cara.clinician", ANSWER)
        assert "Checked against the source and our local pathway." in event.detail


def test_an_admin_signs_off_only_when_confirming_they_act_for_a_named_clinician(
    admin: TestClient, web_database: Database
) -> None:
    refused = _approve(admin)
    assert refused.status_code == 400
    assert "confirm that you sign for the named clinician" in refused.text
    assert _approve(admin, acting_as_clinician="yes").status_code == 200
    with web_database.unit_of_work() as session:
        (event,) = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "answer_clinically_approved")
        )
        assert "adam.admin, admin acting for the clinician" in event.detail
        assert AnswerRepository(session).get(ANSWER).review_status == "clinically_approved"


def test_a_nurse_cannot_sign_off(nurse: TestClient) -> None:
    token = csrf_of(nurse.get("/console/flags").text)
    response = nurse.post(f"{PAGE}/approve", data={"csrf_token": token, "note": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"clinician": ""}, "reviewing clinician"),
     ({"note": " "}, "Add a note"),
     ({"reviewed_on": (date.today() + timedelta(days=2)).isoformat()}, "in the future"),
     ({"reviewed_on": "yesterday"}, "as a date")],
)  # fmt: skip
def test_a_sign_off_needs_a_name_a_past_date_and_a_note(
    clinician: TestClient, web_database: Database, fields: dict, message: str
) -> None:
    response = _approve(clinician, **fields)
    assert response.status_code == 400 and message in response.text
    with web_database.unit_of_work() as session:
        assert AnswerRepository(session).get(ANSWER).review_status == "needs_clinical_review"


def _edit(admin: TestClient, review_status: str):
    token = csrf_of(admin.get(PAGE).text)
    return admin.post(PAGE, data={
        "csrf_token": token, "title": "If the cancer comes back", "review_status": review_status,
        "text": "New wording. Your own team will decide with you.", "sources": ["droracle"],
        "reason": "Shorter", "action": "publish",
    })  # fmt: skip


def test_changing_the_text_ends_the_sign_off_and_reverting_brings_it_back(
    admin: TestClient, web_database: Database
) -> None:
    _approve(admin, acting_as_clinician="yes")
    assert "needs clinical review until" in _edit(admin, "source_verified").text
    assert "a clinician signs an answer off below" in _edit(admin, "clinically_approved").text
    assert _edit(admin, "needs_clinical_review").status_code == 200
    with web_database.unit_of_work() as session:
        assert AnswerRepository(session).get(ANSWER).review_status == "needs_clinical_review"
    token = csrf_of(admin.get(PAGE).text)
    admin.post(f"{PAGE}/revert/2", data={"csrf_token": token})
    with web_database.unit_of_work() as session:
        answer = AnswerRepository(session).get(ANSWER)
        live = AnswerRepository(session).versions(ANSWER)[-1]
        assert (answer.version, answer.review_status) == (4, "clinically_approved")
        assert live.approved_by == "Dr Cara Clinician" and live.reason == "Reverted to version 2"


def test_a_sign_off_waits_until_a_pending_draft_is_published(admin: TestClient) -> None:
    token = csrf_of(admin.get(PAGE).text)
    admin.post(PAGE, data={
        "csrf_token": token, "title": "t", "review_status": "needs_clinical_review",
        "text": "Draft wording.", "sources": ["droracle"], "reason": "r", "action": "draft",
    })  # fmt: skip
    response = _approve(admin, acting_as_clinician="yes")
    assert response.status_code == 400 and "A draft is waiting" in response.text


def test_a_clinician_reads_the_answers_but_cannot_edit_them_or_manage_staff(
    clinician: TestClient,
) -> None:
    assert clinician.get("/console/answers").status_code == 200
    assert clinician.get("/console/staff").status_code == 403
    token = csrf_of(clinician.get(PAGE).text)
    edit = clinician.post(PAGE, data={"csrf_token": token, "title": "t", "text": "x",
                                      "reason": "r", "action": "publish"})  # fmt: skip
    assert edit.status_code == 403
