"""Each console or widget request works in one unit of work (web.context.unit_of_work): what
it changes is saved together or not at all, and background work starts once it is saved."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_assistant.db import Database
from clinic_assistant.db.models import AuditEvent, ModelRelease, StaffMember
from clinic_assistant.learning.worker import Job, LearningWorker
from clinic_assistant.settings import Settings
from clinic_assistant.web.app import create_app
from clinic_assistant.web.routes import staff as staff_routes
from tests.web.conftest import csrf_of, sign_in


def _count_units_of_work(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    database = client.app.state.web.database  # type: ignore[attr-defined]
    opened: list[str] = []
    real = database.unit_of_work

    @contextmanager
    def counted() -> Iterator[Session]:
        opened.append("unit of work")
        with real() as session:
            yield session

    monkeypatch.setattr(database, "unit_of_work", counted)
    return opened


def test_a_console_page_and_its_sign_in_check_share_one_unit_of_work(
    nurse: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = _count_units_of_work(nurse, monkeypatch)
    assert nurse.get("/console/flags").status_code == 200
    assert nurse.get("/console/conversations").status_code == 200
    assert opened == ["unit of work", "unit of work"]


def test_a_change_that_fails_half_way_leaves_nothing_saved(
    settings: Settings, web_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account is created, then its audit entry fails: the account must not exist."""

    def audit_fails(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the audit log is not writable")

    monkeypatch.setattr(staff_routes, "audit", audit_fails)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert sign_in(client, "adam.admin").status_code == 303
        form = client.get("/console/staff")
        response = client.post("/console/staff", data={
            "username": "half.saved", "display_name": "Half Saved", "role": "nurse",
            "password": "a long enough passphrase", "csrf_token": csrf_of(form.text),
        }, follow_redirects=False)  # fmt: skip
    assert response.status_code == 500
    with web_database.unit_of_work() as session:
        created = session.scalars(select(StaffMember).filter_by(username="half.saved")).all()
    assert created == []


def test_a_refused_change_shows_the_reason_and_the_sign_in_is_still_recorded(
    admin: TestClient, web_database: Database
) -> None:
    form = admin.get("/console/staff")
    response = admin.post("/console/staff", data={
        "username": "nina.nurse", "display_name": "Another Nina", "role": "nurse",
        "password": "a long enough passphrase", "csrf_token": csrf_of(form.text),
    })  # fmt: skip
    assert response.status_code == 400
    assert "There is already an account called nina.nurse" in response.text
    with web_database.unit_of_work() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "login" in actions and "staff_created" not in actions


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """A live model of the test's own, so that starting a training has one to keep."""
    live = tmp_path / "models" / "clinic.tar.gz"
    live.parent.mkdir()
    live.write_bytes(b"a model")
    return replace(settings, live_model=live, releases_dir=tmp_path / "releases")


def test_a_training_job_starts_only_once_its_release_is_saved(
    admin: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    database: Database = admin.app.state.web.database  # type: ignore[attr-defined]
    seen_by_the_job: list[str] = []

    def submit(_worker: LearningWorker, job: Job) -> None:
        # Another unit of work, as the job's thread would open: the release must be there.
        with database.unit_of_work() as session:
            release = session.get(ModelRelease, job.release_id)
            seen_by_the_job.append(release.status if release else "missing")

    monkeypatch.setattr(LearningWorker, "submit", submit)
    page = admin.get("/console/models")
    response = admin.post("/console/models/train", data={"csrf_token": csrf_of(page.text)},
                          follow_redirects=False)  # fmt: skip
    assert response.status_code == 303
    assert seen_by_the_job == ["training"]
