"""What the actions store about a message: personal details redacted, a repeat stored once."""

from sqlalchemy import select

from actions.answers import ActionAnswerQuestion
from actions.triage import ActionAssessSymptom
from clinic_assistant.app import AppContext
from clinic_assistant.db.models import Flag, TurnRecord
from tests.actions.conftest import make_tracker

PERSONAL = (
    "my chest feels tight, call me on 07700 900123 or mail jo.bloggs@example.com, DOB 03/05/1961"
)


def _stored(app: AppContext) -> tuple[list[TurnRecord], list[Flag]]:
    with app.database.unit_of_work() as session:
        return list(session.scalars(select(TurnRecord))), list(session.scalars(select(Flag)))


def test_the_turn_index_and_the_flag_keep_no_email_phone_or_birth_date(
    app_context: AppContext, run_action
) -> None:
    run = run_action(ActionAssessSymptom(app_context), make_tracker(PERSONAL, "report_symptom"))
    assert run.customs[0]["triage"]["level"] == "emergency"  # triage saw the real message
    (turn,), (flag,) = _stored(app_context)
    for stored in (turn.text, flag.message_text):
        assert "07700" not in stored and "example.com" not in stored and "1961" not in stored
        assert "[phone]" in stored and "[email]" in stored and "[date of birth]" in stored
        assert stored.startswith("my chest feels tight")


def test_a_message_delivered_twice_is_indexed_once(app_context: AppContext, run_action) -> None:
    tracker = make_tracker("what is fat grafting", "ask_fat_grafting")
    first = run_action(ActionAnswerQuestion(app_context), tracker)
    again = run_action(ActionAnswerQuestion(app_context), tracker)
    assert again.messages == first.messages
    turns, _ = _stored(app_context)
    assert len(turns) == 1
