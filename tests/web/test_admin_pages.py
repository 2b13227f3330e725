"""Admins: editing answers (versions, drafts, diff, revert, preview) and staff accounts."""

from __future__ import annotations

from fastapi.testclient import TestClient

from clinic_assistant.app import AppContext
from clinic_assistant.db.models import StaffMember
from clinic_assistant.db.repositories import StaffRepository
from clinic_assistant.dialogue import Turn, respond
from tests.web.conftest import csrf_of, sign_in

NEW_TEXT = "Fat grafting moves some of your own fat to the breast. It is done with liposuction."


def _edit(admin: TestClient, action: str, text: str = NEW_TEXT, reason: str = "Clearer",
          sources: tuple[str, ...] = ("northwell", "macmillan")):  # fmt: skip
    token = csrf_of(admin.get("/console/answers/fat-grafting-overview").text)
    return admin.post(
        "/console/answers/fat-grafting-overview",
        data={"csrf_token": token, "title": "Fat grafting (lipomodelling)", "text": text,
              "sources": list(sources), "review_status": "source_verified",
              "reason": reason, "action": action},
    )  # fmt: skip


def _patient_reply(app: AppContext) -> str:
    turn = Turn(text="what is lipofilling", intent="ask_fat_grafting", confidence=0.9,
                sender_id="p")  # fmt: skip
    return respond(app, turn, "answer").messages[0].text


def test_a_published_edit_reaches_the_next_patient_reply_without_a_restart(
    admin: TestClient, app_context: AppContext
) -> None:
    assert _patient_reply(app_context) != NEW_TEXT
    assert _edit(admin, "publish").status_code == 200
    assert _patient_reply(app_context) == NEW_TEXT


def test_a_draft_is_not_shown_to_patients_until_published(
    admin: TestClient, app_context: AppContext
) -> None:
    before = _patient_reply(app_context)
    _edit(admin, "draft")
    assert _patient_reply(app_context) == before
    page = admin.get("/console/answers/fat-grafting-overview").text
    assert "is a draft" in page
    admin.post("/console/answers/fat-grafting-overview/publish",
               data={"csrf_token": csrf_of(page)})  # fmt: skip
    assert _patient_reply(app_context) == NEW_TEXT


def test_every_save_is_a_version_with_author_time_and_reason_and_can_be_reverted(
    admin: TestClient, app_context: AppContext
) -> None:
    original = _patient_reply(app_context)
    _edit(admin, "publish", reason="Shorter wording")
    page = admin.get("/console/answers/fat-grafting-overview").text
    assert "adam.admin" in page and "Shorter wording" in page and "2 (live)" in page
    diff = admin.get("/console/answers/fat-grafting-overview/diff?old=1&new=2").text
    assert "<ins>" in diff and "<del>" in diff
    admin.post(
        "/console/answers/fat-grafting-overview/revert/1", data={"csrf_token": csrf_of(page)}
    )
    assert _patient_reply(app_context) == original
    assert "Reverted to version 1" in admin.get("/console/answers/fat-grafting-overview").text


def test_bad_input_gets_a_clear_error_and_keeps_what_was_typed(admin: TestClient) -> None:
    response = _edit(admin, "publish", text="My careful new wording", reason="", sources=())
    assert response.status_code == 400
    assert "A medical answer must cite at least one source." in response.text
    assert "Say why you are making this change." in response.text
    assert "My careful new wording" in response.text


def test_the_preview_fills_placeholders_and_gives_the_reading_grade(admin: TestClient) -> None:
    token = csrf_of(admin.get("/console/answers/goodbye").text)
    shown = admin.post(
        "/console/answers/preview", data={"csrf_token": token, "text": "Call {team_phone} today."}
    ).json()
    assert shown["text"] == "Call 01632 960 123 today."
    assert isinstance(shown["grade"], float) and shown["words"] == 5


def test_an_edit_is_in_the_audit_log(admin: TestClient) -> None:
    _edit(admin, "publish", reason="Clearer wording")
    log = admin.get("/console/audit").text
    assert "answer published" in log and "fat-grafting-overview" in log


def test_an_admin_creates_a_nurse_who_can_then_sign_in(admin: TestClient) -> None:
    token = csrf_of(admin.get("/console/staff").text)
    admin.post("/console/staff", data={"csrf_token": token, "username": "Olu.Nurse",
                                       "display_name": "Olu", "role": "nurse",
                                       "password": "another long password"})  # fmt: skip
    assert "olu.nurse" in admin.get("/console/staff").text
    admin.cookies.clear()
    assert sign_in(admin, "olu.nurse", "another long password").status_code == 303


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(
    client: TestClient, web_database
) -> None:
    sign_in(client, "nina.nurse")
    with web_database.unit_of_work() as session:
        nurse_id = StaffRepository(session).by_username("nina.nurse").id
    other = TestClient(client.app)
    sign_in(other, "adam.admin")
    token = csrf_of(other.get("/console/staff").text)
    other.post(f"/console/staff/{nurse_id}", data={"csrf_token": token, "action": "disable"})
    assert client.get("/console/flags", follow_redirects=False).status_code == 303
    assert sign_in(client, "nina.nurse").status_code == 401


def test_changing_a_role_and_the_last_admin_is_kept(admin: TestClient, web_database) -> None:
    with web_database.unit_of_work() as session:
        ids = {m.username: m.id for m in session.query(StaffMember)}
    token = csrf_of(admin.get("/console/staff").text)
    response = admin.post(
        f"/console/staff/{ids['adam.admin']}",
        data={"csrf_token": token, "action": "role", "role": "nurse"},
    )
    assert "at least one active admin" in response.text
    admin.post(
        f"/console/staff/{ids['nina.nurse']}",
        data={"csrf_token": token, "action": "role", "role": "admin"},
    )
    with web_database.unit_of_work() as session:
        assert StaffRepository(session).by_username("nina.nurse").role == "admin"


def test_a_weak_password_is_refused(admin: TestClient) -> None:
    token = csrf_of(admin.get("/console/staff").text)
    response = admin.post(
        "/console/staff",
        data={"csrf_token": token, "username": "x.y", "role": "nurse", "password": "short"},
    )
    assert response.status_code == 400 and "at least 10 characters" in response.text
