"""The retention job deletes conversations idle for longer than the period, and says so."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from clinic_assistant import cli
from clinic_assistant.db import Database
from clinic_assistant.db.models import AuditEvent, ConversationReview, Flag, TurnRecord
from clinic_assistant.retention import run_retention
from clinic_assistant.transcripts import EVENTS, TrackerRetention, _metadata

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def tracker(tmp_path: Path) -> TrackerRetention:
    store = TrackerRetention(f"sqlite:///{tmp_path / 'tracker.db'}")
    _metadata.create_all(store.engine)
    yield store
    store.dispose()


def _conversation(database: Database, tracker: TrackerRetention, name: str, days_ago: float,
                  flag_status: str | None = None) -> None:  # fmt: skip
    at = NOW - timedelta(days=days_ago)
    with tracker.engine.begin() as connection:
        for kind in ("user", "bot"):
            connection.execute(insert(EVENTS).values(
                sender_id=name, type_name=kind, timestamp=at.timestamp(),
                data=json.dumps({"event": kind, "text": "hello"})))  # fmt: skip
    with database.unit_of_work() as session:
        session.add(TurnRecord(conversation_id=name, text="hello", at=at))
        session.add(ConversationReview(conversation_id=name, reviewed=True, tags=[], notes="ok"))
        if flag_status:
            session.add(Flag(reference=f"F-{name[:5].upper()}", conversation_id=name,
                             message_text="hello", level="routine_followup", reason="r",
                             kind="symptom", status=flag_status))  # fmt: skip


def _remaining(database: Database, tracker: TrackerRetention) -> set[str]:
    with tracker.engine.connect() as connection:
        left = set(connection.execute(select(EVENTS.c.sender_id)).scalars())
    with database.unit_of_work() as session:
        left |= set(session.scalars(select(TurnRecord.conversation_id)))
        left |= set(session.scalars(select(ConversationReview.conversation_id)))
    return left


def test_deletes_conversations_idle_for_longer_than_the_period_and_records_it(
    database: Database, tracker: TrackerRetention
) -> None:
    _conversation(database, tracker, "old-one", days_ago=40)
    _conversation(database, tracker, "old-resolved", days_ago=45, flag_status="resolved")
    _conversation(database, tracker, "recent", days_ago=3)
    report = run_retention(database, tracker, 30, now=NOW)
    assert (report.conversations, report.events) == (2, 4)
    assert report.deleted == {"turns": 2, "reviews": 2, "flags": 1}
    assert _remaining(database, tracker) == {"recent"}
    with database.unit_of_work() as session:
        (audit,) = session.scalars(select(AuditEvent))
        assert (audit.actor, audit.action) == ("retention job", "retention_deleted")
        assert "2 conversations" in audit.detail and "hello" not in audit.detail
        assert session.scalars(select(Flag)).all() == []


def test_keeps_a_conversation_a_nurse_has_not_finished_with_however_old(
    database: Database, tracker: TrackerRetention
) -> None:
    _conversation(database, tracker, "open-flag", days_ago=400, flag_status="open")
    _conversation(database, tracker, "acknowledged", days_ago=400, flag_status="acknowledged")
    report = run_retention(database, tracker, 30, now=NOW)
    assert (report.conversations, report.kept_for_open_flags) == (0, 2)
    assert _remaining(database, tracker) == {"open-flag", "acknowledged"}


def test_a_conversation_active_within_the_period_is_kept_whole(
    database: Database, tracker: TrackerRetention
) -> None:
    _conversation(database, tracker, "returning", days_ago=90)
    yesterday = (NOW - timedelta(days=1)).timestamp()
    with tracker.engine.begin() as connection:
        connection.execute(insert(EVENTS).values(
            sender_id="returning", type_name="user", timestamp=yesterday, data="{}"))  # fmt: skip
    report = run_retention(database, tracker, 30, now=NOW)
    assert report.conversations == 0
    assert _remaining(database, tracker) == {"returning"}


def test_a_dry_run_counts_and_deletes_nothing(
    database: Database, tracker: TrackerRetention
) -> None:
    _conversation(database, tracker, "old-one", days_ago=40)
    report = run_retention(database, tracker, 30, now=NOW, dry_run=True)
    assert report.conversations == 1 and "would delete 1 conversations" in report.summary()
    assert _remaining(database, tracker) == {"old-one"}


def test_the_command_refuses_to_run_without_a_retention_period(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, database_url: str
) -> None:
    monkeypatch.setenv("CLINIC_DATABASE_URL", database_url)
    monkeypatch.delenv("CLINIC_RETENTION_DAYS", raising=False)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["retention"])
    assert stopped.value.code == 2
    assert "--days N or CLINIC_RETENTION_DAYS" in capsys.readouterr().err


def test_the_command_deletes_and_reports_with_the_period_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, database_url: str,
    tmp_path: Path, tracker: TrackerRetention,
) -> None:  # fmt: skip
    database = Database(database_url)
    _conversation(database, tracker, "ancient", days_ago=4000)
    database.dispose()
    monkeypatch.setenv("CLINIC_DATABASE_URL", database_url)
    monkeypatch.setenv("CLINIC_TRACKER_DB", str(tmp_path / "tracker.db"))
    monkeypatch.setenv("CLINIC_RETENTION_DAYS", "365")
    cli.main(["retention"])
    assert "deleted 1 conversations (2 tracker events" in capsys.readouterr().out
    assert _remaining(Database(database_url), tracker) == set()
