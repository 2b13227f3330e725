"""The web app in-process (FastAPI's TestClient) on a database of its own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from clinic_assistant.answers.catalogue import Catalogue
from clinic_assistant.answers.seeding import seed_catalogue
from clinic_assistant.db import Database
from clinic_assistant.settings import Settings
from clinic_assistant.web import throttle
from clinic_assistant.web.app import create_app
from clinic_assistant.web.security import Accounts

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def no_login_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failed logins slow the next attempts in production; tests need not wait for it."""
    monkeypatch.setattr(throttle, "BASE_DELAY", 0)


@pytest.fixture
def web_database(settings: Settings, catalogue: Catalogue) -> Iterator[Database]:
    database = Database(settings.database_url)
    with database.unit_of_work() as session:
        seed_catalogue(session, catalogue)
        accounts = Accounts(session, timedelta(minutes=30))
        accounts.create("nina.nurse", "Nina Nurse", "nurse", PASSWORD)
        accounts.create("adam.admin", "Adam Admin", "admin", PASSWORD)
    yield database
    database.dispose()


@pytest.fixture
def client(settings: Settings, web_database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD):
    """Open the login form and submit it (the form's CSRF cookie is kept by ``client``)."""
    form = client.get("/console/login")
    return client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )


@pytest.fixture
def nurse(client: TestClient) -> TestClient:
    assert sign_in(client, "nina.nurse").status_code == 303
    return client


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    assert sign_in(client, "adam.admin").status_code == 303
    return client
