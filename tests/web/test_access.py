"""Accounts and access: login, sessions, CSRF, roles, audit (throttling: test_sign_in.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clinic_assistant.db import Database
from clinic_assistant.db.models import AuditEvent, StaffMember, StaffSession, utcnow
from tests.web.conftest import csrf_of, sign_in

STAFF_PAGES = ["/console/flags", "/console/conversations", "/console/insights"]
ADMIN_PAGES = ["/console/answers", "/console/answers/flap-overview", "/console/staff",
               "/console/audit"]  # fmt: skip


@pytest.mark.parametrize("path", STAFF_PAGES + ADMIN_PAGES)
def test_every_staff_page_requires_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/login?next={path}"


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_a_nurse_opening_an_admin_page_gets_403(nurse: TestClient, path: str) -> None:
    assert nurse.get(path).status_code == 403


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_a_nurse_can_open_the_nurse_pages(nurse: TestClient, path: str) -> None:
    assert nurse.get(path).status_code == 200


def test_passwords_are_stored_as_argon2_hashes(web_database: Database) -> None:
    with web_database.unit_of_work() as session:
        member = session.scalars(select(StaffMember)).first()
        assert member.password_hash.startswith("$argon2id$")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: TestClient,
) -> None:
    response = sign_in(client, "nina.nurse", "wrong password!")
    assert response.status_code == 401
    assert "username or password is not right" in response.text
    assert sign_in(client, "nobody", "whatever password").status_code == 401


def test_the_login_form_needs_its_csrf_token(client: TestClient) -> None:
    client.get("/console/login")
    response = client.post(
        "/console/login", data={"username": "nina.nurse", "password": "x" * 12},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 403


def test_every_form_needs_the_sessions_csrf_token(nurse: TestClient) -> None:
    response = nurse.post("/console/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert nurse.get("/console/flags").status_code == 200


def test_a_session_expires_after_inactivity(nurse: TestClient, web_database: Database) -> None:
    with web_database.unit_of_work() as session:
        for staff_session in session.scalars(select(StaffSession)):
            staff_session.last_seen_at = utcnow() - timedelta(minutes=31)
    response = nurse.get("/console/flags", follow_redirects=False)
    assert response.status_code == 303


def test_signing_out_ends_the_session(nurse: TestClient) -> None:
    token = csrf_of(nurse.get("/console/flags").text)
    nurse.post("/console/logout", data={"csrf_token": token})
    assert nurse.get("/console/flags", follow_redirects=False).status_code == 303


def test_logins_and_failures_are_in_the_audit_log(
    client: TestClient, web_database: Database
) -> None:
    sign_in(client, "nina.nurse", "wrong password!")
    sign_in(client, "nina.nurse")
    with web_database.unit_of_work() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["login_failed", "login"]


def test_the_login_does_not_redirect_to_another_site(client: TestClient) -> None:
    form = client.get("/console/login?next=https://evil.example/")
    assert 'value="/console/flags"' in form.text


def test_pages_carry_security_headers(nurse: TestClient) -> None:
    headers = nurse.get("/console/flags").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    session_cookie = next(c for c in nurse.cookies.jar if c.name == "clinic_session")
    assert session_cookie.has_nonstandard_attr("HttpOnly")
