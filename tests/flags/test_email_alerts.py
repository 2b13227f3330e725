"""Staff alerts by email, against a real SMTP server started on localhost."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from clinic_assistant.db import Database
from clinic_assistant.db.models import FlagEvent, Notification, utcnow
from clinic_assistant.flags import FlagService
from clinic_assistant.notifications import RETRY_DELAYS, Dispatcher, EmailNotifier
from clinic_assistant.settings import EmailSettings
from tests.support.smtp import Inbox
from tests.support.stack import free_port


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now


def _notifier(port: int) -> EmailNotifier:
    settings = EmailSettings(
        host="127.0.0.1", port=port, sender="assistant@clinic.test",
        recipients=("nurses@clinic.test", "duty-surgeon@clinic.test"),
    )  # fmt: skip
    return EmailNotifier(settings, "http://console.clinic.test", timeout=2)


def _urgent_flag(database: Database, level: str = "emergency") -> int:
    with database.unit_of_work() as session:
        return FlagService(session).raise_flag(
            conversation_id="patient-42", message_id="m1", message_text="I can't breathe",
            level=level, reason="difficulty breathing", kind="symptom",
        ).flag_id  # fmt: skip


def _alert(database: Database) -> Notification:
    with database.unit_of_work() as session:
        return session.scalars(select(Notification)).one()


def test_an_emergency_flag_emails_the_staff(database: Database, inbox: Inbox, smtp_port) -> None:
    flag_id = _urgent_flag(database)
    sent = Dispatcher(database, _notifier(smtp_port)).deliver_due()
    assert sent == 1
    (email,) = inbox.received
    assert email["Subject"].startswith("[EMERGENCY] Patient flag F-")
    assert "difficulty breathing" in email["Subject"]
    assert email["To"] == "nurses@clinic.test, duty-surgeon@clinic.test"
    body = email.get_payload()
    assert "I can't breathe" in body and f"http://console.clinic.test/flags/{flag_id}" in body
    assert (_alert(database).status, _alert(database).attempts) == ("sent", 1)
    assert Dispatcher(database, _notifier(smtp_port)).deliver_due() == 0


def test_a_failed_alert_is_retried_later_and_logged_and_the_flag_kept(
    database: Database, smtp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    flag_id = _urgent_flag(database, "contact_team_today")
    clock = Clock()
    dispatcher = Dispatcher(database, _notifier(smtp_port), clock)  # nothing listens yet
    with caplog.at_level(logging.WARNING, logger="clinic_assistant.notifications"):
        assert dispatcher.deliver_due() == 0
    alert = _alert(database)
    assert (alert.status, alert.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in alert.last_error
    assert "alert attempt 1 failed" in caplog.text

    # Not due yet: nothing is tried again before the delay.
    assert dispatcher.deliver_due() == 0
    assert _alert(database).attempts == 1

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        clock.now += RETRY_DELAYS[0]
        assert dispatcher.deliver_due() == 1
    finally:
        controller.stop()
    assert len(handler.received) == 1
    assert (_alert(database).status, _alert(database).attempts) == ("sent", 2)
    with database.unit_of_work() as session:
        actions = [
            e.action for e in session.scalars(select(FlagEvent).where(FlagEvent.flag_id == flag_id))
        ]
    assert actions == ["raised", "notified"]


def test_an_alert_that_keeps_failing_is_marked_failed_and_the_flag_records_it(
    database: Database, smtp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    _urgent_flag(database)
    clock = Clock()
    dispatcher = Dispatcher(database, _notifier(smtp_port), clock)
    with caplog.at_level(logging.WARNING, logger="clinic_assistant.notifications"):
        for _ in range(len(RETRY_DELAYS) + 1):
            dispatcher.deliver_due()
            clock.now += timedelta(days=1)
    alert = _alert(database)
    assert (alert.status, alert.attempts) == ("failed", len(RETRY_DELAYS) + 1)
    assert "alert failed after" in caplog.text
    with database.unit_of_work() as session:
        assert session.scalars(select(FlagEvent.action)).all()[-1] == "notification_failed"


def test_without_an_email_server_configured_the_flag_stays_in_the_queue(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    _urgent_flag(database)
    with caplog.at_level(logging.WARNING, logger="clinic_assistant.notifications"):
        assert Dispatcher(database, None).deliver_due() == 0
    assert _alert(database).status == "not_configured"
    assert "no alert channel is configured" in caplog.text


def test_an_alert_claimed_by_another_server_is_not_sent_twice(
    database: Database, inbox: Inbox, smtp_port: int
) -> None:
    _urgent_flag(database)
    with database.unit_of_work() as session:
        alert = session.scalars(select(Notification)).one()
        alert.status, alert.claimed_at = "sending", utcnow()
    assert Dispatcher(database, _notifier(smtp_port)).deliver_due() == 0
    assert inbox.received == []


def test_a_parsed_email_is_plain_text(database: Database, inbox: Inbox, smtp_port) -> None:
    _urgent_flag(database)
    Dispatcher(database, _notifier(smtp_port)).deliver_due()
    parsed = message_from_bytes(inbox.received[0].as_bytes())
    assert parsed.get_content_type() == "text/plain"
