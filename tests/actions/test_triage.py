"""Triage runs in every action, whatever the intent, and comes first."""

from sqlalchemy import select

from actions.answers import ActionAnswerQuestion
from actions.fallback import ActionOfferTopics
from actions.triage import ActionAssessSymptom
from clinic_assistant.app import AppContext
from clinic_assistant.db.models import Flag, Notification
from tests.actions.conftest import make_tracker


def _flags(app: AppContext) -> list[Flag]:
    with app.database.unit_of_work() as session:
        return list(session.scalars(select(Flag)))


def test_an_emergency_hidden_in_a_question_comes_first_and_the_question_is_still_answered(
    app_context: AppContext, run_action
) -> None:
    text = "quick q about implants - also I keep coughing up blood"
    run = run_action(ActionAnswerQuestion(app_context), make_tracker(text, "ask_implant"))
    assert run.topics == ["red_flag", "option_implant"]
    assert run.customs[0]["answer_id"] == "triage-emergency"
    assert run.messages[0]["text"].startswith("Please call 999 now")
    for custom in run.customs:
        assert custom["triage"] == {"level": "emergency", "reason": "coughing up blood"}


def test_flags_the_conversation_when_the_patient_reports_chest_pain(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker("my chest feels tight", "report_symptom", sender="patient-7")
    run = run_action(ActionAssessSymptom(app_context), tracker)
    (flag,) = _flags(app_context)
    assert (flag.conversation_id, flag.level, flag.status) == ("patient-7", "emergency", "open")
    assert flag.reason == "chest pain or tightness"
    assert flag.message_text == "my chest feels tight"
    assert run.custom["flag_reference"] == flag.reference
    assert flag.reference in run.text
    with app_context.database.unit_of_work() as session:
        (alert,) = session.scalars(select(Notification))
        assert (alert.flag_id, alert.level) == (flag.id, "emergency")


def test_a_red_flag_that_looks_like_a_greeting_still_flags_and_skips_the_greeting(
    app_context: AppContext, run_action
) -> None:
    run = run_action(ActionAnswerQuestion(app_context), make_tracker("hi, cant breath", "greet"))
    assert run.topics == ["red_flag"]
    assert run.custom["triage"]["level"] == "emergency"


def test_a_red_flag_the_model_did_not_understand_gets_the_safety_message_not_topics(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker("caughing up blod", "nlu_fallback", 0.3)
    run = run_action(ActionOfferTopics(app_context), tracker)
    assert run.topics == ["red_flag"]
    assert run.custom["triage"]["level"] == "emergency"


def test_a_same_day_problem_tells_the_patient_to_call_the_team_now_on_both_numbers(
    app_context: AppContext, run_action
) -> None:
    # The day line's opening times are not set in the test settings: both numbers, with hours.
    run = run_action(ActionAssessSymptom(app_context), make_tracker("temp 38.4", "report_symptom"))
    assert run.custom["answer_id"] == "triage-contact-team-today"
    assert "01632 960 123 (8am to 6pm on weekdays) or, at other times, 01632 960 999" in run.text
    assert run.custom["triage"]["level"] == "contact_team_today"


def test_negated_symptoms_are_not_flagged_and_the_question_is_answered(
    app_context: AppContext, run_action
) -> None:
    text = "no fever, no redness, just asking about fat grafting"
    run = run_action(ActionAnswerQuestion(app_context), make_tracker(text, "ask_fat_grafting"))
    assert run.topics == ["option_fat_grafting"]
    assert run.custom["triage"]["level"] == "none"
    assert _flags(app_context) == []


def test_a_symptom_that_is_over_is_routine_follow_up_at_most(
    app_context: AppContext, run_action
) -> None:
    text = "I had a fever last week, it's gone after antibiotics"
    run = run_action(ActionAssessSymptom(app_context), make_tracker(text, "report_symptom"))
    assert run.custom["triage"]["level"] == "routine_followup"
    assert run.custom["answer_id"] == "triage-routine-followup"


def test_something_common_after_surgery_is_not_flagged_nor_called_harmless(
    app_context: AppContext, run_action
) -> None:
    text = "I have some bruising on the side of my breast but no swelling"
    run = run_action(ActionAssessSymptom(app_context), make_tracker(text, "report_symptom"))
    assert run.custom["answer_id"] == "symptom-common-after-surgery"
    assert run.custom["triage"] == {"level": "none", "reason": "common after surgery: bruising"}
    assert "harmless" not in run.text and "contact your team" in run.text
    assert _flags(app_context) == []


def test_a_symptom_triage_cannot_place_is_passed_to_the_nurses(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker("my shoulder is stiff since the op", "report_symptom")
    run = run_action(ActionAssessSymptom(app_context), tracker)
    assert run.custom["answer_id"] == "symptom-unclear"
    assert run.custom["triage"]["level"] == "routine_followup"
    assert [f.level for f in _flags(app_context)] == ["routine_followup"]


def test_repeats_in_one_conversation_update_the_open_flag_and_escalate_it(
    app_context: AppContext, run_action
) -> None:
    action = ActionAssessSymptom(app_context)
    run_action(action, make_tracker("my drain seems blocked", "report_symptom", sender="p1"))
    run_action(action, make_tracker("the drain is blocked again", "report_symptom", sender="p1"))
    run_action(action, make_tracker("now I have a fever of 38.5", "report_symptom", sender="p1"))
    (flag,) = _flags(app_context)
    assert flag.occurrences == 3
    assert flag.level == "contact_team_today"
    with app_context.database.unit_of_work() as session:
        actions = [e.action for e in session.get(Flag, flag.id).events]
        alerts = list(session.scalars(select(Notification)))
    assert actions == ["raised", "updated", "escalated"]
    assert len(alerts) == 1
