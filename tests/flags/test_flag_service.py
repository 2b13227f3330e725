import uuid

from sqlalchemy import select

from clinic_assistant.db import Database
from clinic_assistant.db.models import Flag, Notification
from clinic_assistant.flags import FlagService


def _raise(
    database: Database, conversation: str, level: str, reason: str = "a reason", message_id=""
):
    """Each call is a new patient message unless ``message_id`` says which one it repeats."""
    with database.unit_of_work() as session:
        return FlagService(session).raise_flag(
            conversation_id=conversation, message_id=message_id or uuid.uuid4().hex,
            message_text="text", level=level, reason=reason, kind="symptom",
        )  # fmt: skip


def test_an_urgent_flag_is_stored_with_an_alert_queued_in_the_same_transaction(
    database: Database,
) -> None:
    outcome = _raise(database, "c1", "contact_team_today", "a fever")
    assert outcome.created and outcome.alert
    with database.unit_of_work() as session:
        flag = session.get(Flag, outcome.flag_id)
        assert (flag.level, flag.reason, flag.status) == ("contact_team_today", "a fever", "open")
        (alert,) = session.scalars(select(Notification))
        assert (alert.flag_id, alert.status) == (flag.id, "pending")


def test_a_routine_flag_goes_to_the_queue_without_an_alert(database: Database) -> None:
    outcome = _raise(database, "c1", "routine_followup")
    assert outcome.created and not outcome.alert


def test_a_repeat_at_the_same_level_updates_without_a_second_alert(database: Database) -> None:
    first = _raise(database, "c1", "contact_team_today")
    second = _raise(database, "c1", "contact_team_today")
    assert second.flag_id == first.flag_id
    assert not second.created and not second.alert


def test_other_conversations_and_resolved_flags_get_a_new_flag(database: Database) -> None:
    first = _raise(database, "c1", "routine_followup")
    assert _raise(database, "c2", "routine_followup").flag_id != first.flag_id
    with database.unit_of_work() as session:
        session.get(Flag, first.flag_id).status = "resolved"
    assert _raise(database, "c1", "routine_followup").created


def test_worse_news_on_an_acknowledged_flag_reopens_it_and_alerts(database: Database) -> None:
    first = _raise(database, "c1", "routine_followup")
    with database.unit_of_work() as session:
        session.get(Flag, first.flag_id).status = "acknowledged"
    escalation = _raise(database, "c1", "emergency", "chest pain")
    assert escalation.escalated and escalation.alert
    with database.unit_of_work() as session:
        flag = session.get(Flag, first.flag_id)
        assert (flag.status, flag.level, flag.reason) == ("open", "emergency", "chest pain")


def test_references_are_unique_and_easy_to_read_out(database: Database) -> None:
    references = {_raise(database, f"c{n}", "routine_followup").reference for n in range(30)}
    assert len(references) == 30
    assert all(r.startswith("F-") and not set(r[2:]) & set("0O1I") for r in references)


def test_the_same_message_delivered_twice_counts_once_and_alerts_once(database: Database) -> None:
    first = _raise(database, "c1", "contact_team_today", message_id="msg-1")
    again = _raise(database, "c1", "contact_team_today", message_id="msg-1")
    assert again.flag_id == first.flag_id and not again.alert
    with database.unit_of_work() as session:
        flag = session.get(Flag, first.flag_id)
        assert flag.occurrences == 1
        assert len(session.scalars(select(Notification)).all()) == 1
