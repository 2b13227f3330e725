"""The staff-alert worker starts and stops with the server, and sends what an earlier process
left pending: an urgent flag's alert never waits for the next urgent flag."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from clinic_assistant.db import Database
from clinic_assistant.db.models import Notification
from clinic_assistant.flags import FlagService
from clinic_assistant.notifications import BackgroundDispatcher, Dispatcher, EmailNotifier
from clinic_assistant.settings import EmailSettings, Settings
from tests.support.action_server import ActionServerProcess
from tests.support.smtp import SmtpServer
from tests.support.stack import free_port


def _email(port: int) -> EmailSettings:
    return EmailSettings(host="127.0.0.1", port=port, sender="assistant@clinic.test",
                         recipients=("nurses@clinic.test",))  # fmt: skip


def _queue_urgent_alert(database: Database, conversation: str = "patient-7") -> None:
    """What a turn does when a patient reports an emergency: the flag and its pending alert."""
    with database.unit_of_work() as session:
        FlagService(session).raise_flag(
            conversation_id=conversation, message_id="m1", message_text="my chest is tight",
            level="emergency", reason="chest pain", kind="symptom",
        )  # fmt: skip


def _alert_status(database: Database) -> tuple[str, int]:
    with database.unit_of_work() as session:
        alert = session.scalars(select(Notification)).one()
        return alert.status, alert.attempts


def _wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(0.2)


def test_the_worker_sends_alerts_already_pending_when_it_starts(database: Database) -> None:
    _queue_urgent_alert(database)
    with SmtpServer(free_port()) as smtp:
        worker = BackgroundDispatcher(
            Dispatcher(database, EmailNotifier(_email(smtp.port), "http://console.test")),
            interval=60,  # no tick would come in time: only the start-up drain can send it
        )
        worker.start()
        try:
            smtp.inbox.wait_for("EMERGENCY", timeout=20)
            assert _alert_status(database) == ("sent", 1)
        finally:
            worker.stop()
    assert not worker.running


def test_a_restarted_action_server_sends_the_alert_its_predecessor_could_not(
    tmp_path: Path, database_url: str, project_root: Path
) -> None:
    smtp_port = free_port()
    settings = replace(
        Settings.from_env({"CLINIC_ROOT": str(project_root), "CLINIC_DATABASE_URL": database_url,
                           "CLINIC_TRACKER_DB": str(tmp_path / "tracker.db")}),
        email=_email(smtp_port), action_secret="secret",
    )  # fmt: skip
    database = Database(database_url)
    try:
        _queue_urgent_alert(database)
        # The mail server is down: the first server's worker tries at start-up and schedules
        # a retry, then the server stops (a deployment, a crash) before the retry is due.
        with ActionServerProcess(settings, project_root):
            _wait_for(lambda: _alert_status(database) == ("pending", 1))
        with SmtpServer(smtp_port) as smtp, ActionServerProcess(settings, project_root):
            # No patient writes and no new flag is raised: the new server's worker sends it.
            message = smtp.inbox.wait_for("EMERGENCY", timeout=90)
            assert "chest pain" in smtp.inbox.subject(message)
            _wait_for(lambda: _alert_status(database) == ("sent", 2))
    finally:
        database.dispose()
