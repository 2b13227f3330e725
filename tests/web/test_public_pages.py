"""Public pages: security headers everywhere, URLs from the settings, only known error texts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from clinic_assistant.app import AppContext
from clinic_assistant.settings import Settings
from tests.web.test_nurse_pages import _flag, conversations  # noqa: F401 (a fixture)

PUBLIC = ["/", "/widget.js", "/static/demo.css", "/health", "/no-such-page"]


@pytest.mark.parametrize("path", PUBLIC)
def test_every_public_response_carries_the_security_headers(client: TestClient, path: str):
    headers = client.get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_the_demo_page_may_run_only_this_site_s_scripts_and_talk_to_rasa(
    client: TestClient, settings: Settings
) -> None:
    policy = client.get("/").headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert f"connect-src 'self' {settings.rasa_public_url};" in policy


def test_a_forged_host_header_is_not_written_into_the_page(client: TestClient) -> None:
    page = client.get("/", headers={"Host": "evil.example"}).text
    assert "evil.example" not in page
    assert 'src="/widget.js"' in page


def test_the_login_page_shows_no_text_taken_from_its_address(client: TestClient) -> None:
    page = client.get("/console/login?error=Your+password+expired,+call+0800+123").text
    assert "password expired" not in page and "0800" not in page
    assert "Your session has ended" in client.get("/console/login?error=expired").text


def test_a_flag_page_shows_no_text_taken_from_its_address(
    nurse: TestClient,
    conversations: AppContext,  # noqa: F811
) -> None:
    flag = _flag(conversations, "p-chest")
    page = nurse.get(f"/console/flags/{flag.id}?error=Call+this+number:+0900+666").text
    assert "0900 666" not in page and "Call this number" not in page
    known = nurse.get(f"/console/flags/{flag.id}?error=note-needed").text
    assert "Say how the flag was resolved." in known


@pytest.mark.parametrize("conversation_id", ["patient-1%0A", "caf%C3%A9", "-x", "a%20b"])
def test_the_console_opens_no_page_for_an_id_outside_the_documented_set(
    nurse: TestClient, conversation_id: str
) -> None:
    assert nurse.get(f"/console/conversations/{conversation_id}").status_code == 404
