"""Personal decisions go to the surgeon, requests for a nurse to the nurses."""

from sqlalchemy import select

from actions.answers import ActionAnswerQuestion
from actions.handoff import ActionExplainSurgeonDecides, ActionRequestNurse
from clinic_assistant.app import AppContext
from clinic_assistant.db.models import Flag
from tests.actions.conftest import make_tracker

TAP = {"entity": "procedure", "value": "tap_flap", "text": "TAP flap", "start": 20, "end": 28}


def test_a_personal_decision_is_for_the_surgeon_with_the_general_information_after_it(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker(
        "am I a candidate for a TAP flap?", "ask_personal_decision", entities=[TAP]
    )
    run = run_action(ActionExplainSurgeonDecides(app_context), tracker)
    assert run.topics == ["needs_surgeon_decision", "option_flap"]
    assert run.customs[0]["answer_id"] == "decision-for-you-and-your-surgeon"
    assert run.customs[0]["triage"]["level"] == "routine_followup"
    assert "surgeon" in run.messages[0]["text"]


def test_a_personal_decision_is_recognised_even_when_the_model_heard_a_flap_question(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker("am I a candidate for a TAP flap?", "ask_flap", entities=[TAP])
    run = run_action(ActionAnswerQuestion(app_context), tracker)
    assert run.topics == ["needs_surgeon_decision", "option_flap"]


def test_a_question_the_model_leans_towards_personal_is_flagged_for_the_team(
    app_context: AppContext, run_action
) -> None:
    # Words the personal-question cues do not know; the model's second choice is personal.
    text = "with a 4cm lump in a B cup, is lipofilling realistic after the lumpectomy"
    tracker = make_tracker(
        text, "ask_fat_grafting", 0.5, ranking=[("ask_fat_grafting", 0.5),
                                              ("ask_personal_decision", 0.42)]
    )  # fmt: skip
    run = run_action(ActionAnswerQuestion(app_context), tracker)
    assert run.topics == ["needs_surgeon_decision", "option_fat_grafting"]
    assert run.customs[0]["triage"]["level"] == "routine_followup"


def test_a_faint_lean_towards_personal_leaves_a_plain_question_unflagged(
    app_context: AppContext, run_action
) -> None:
    text = "how is lipofilling done"
    tracker = make_tracker(
        text, "ask_fat_grafting", 0.7, ranking=[("ask_fat_grafting", 0.7),
                                              ("ask_personal_decision", 0.2)]
    )  # fmt: skip
    run = run_action(ActionAnswerQuestion(app_context), tracker)
    assert run.topics == ["option_fat_grafting"]
    assert run.customs[0]["triage"]["level"] == "none"


def test_asking_what_results_mean_gets_no_interpretation(
    app_context: AppContext, run_action
) -> None:
    text = "what do my results mean? the report says margins 1mm"
    run = run_action(
        ActionExplainSurgeonDecides(app_context), make_tracker(text, "ask_personal_decision")
    )
    assert run.custom["answer_id"] == "decision-your-results"
    assert run.custom["topic"] == "needs_surgeon_decision"


def test_asking_to_change_a_dose_is_told_to_talk_to_the_team_first(
    app_context: AppContext, run_action
) -> None:
    text = "can I stop taking tamoxifen, the side effects are awful"
    run = run_action(
        ActionExplainSurgeonDecides(app_context), make_tracker(text, "ask_personal_decision")
    )
    assert run.custom["answer_id"] == "decision-your-treatment"


def test_asking_for_a_nurse_flags_it_and_says_how_and_when_the_clinic_gets_in_touch(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker("can I speak to a nurse please", "request_nurse", sender="p9")
    run = run_action(ActionRequestNurse(app_context), tracker)
    (flag,) = _flags(app_context)
    assert (flag.kind, flag.level, flag.reason) == (
        "nurse_request",
        "routine_followup",
        "asked to speak to a nurse",
    )
    assert run.custom["topic"] == "needs_surgeon_decision"
    assert flag.reference in run.text
    assert "8am to 6pm on weekdays" in run.text and "phone number" in run.text
    assert run.slot("awaiting_callback") == flag.reference


def test_a_phone_number_after_asking_for_a_call_back_is_kept_on_the_flag(
    app_context: AppContext, run_action
) -> None:
    first = run_action(
        ActionRequestNurse(app_context),
        make_tracker("please call me back", "request_nurse", sender="p3"),
    )
    reference = first.slot("awaiting_callback")
    tracker = make_tracker(
        "07700 900123", "nlu_fallback", 0.2, sender="p3", slots={"awaiting_callback": reference}
    )
    run = run_action(ActionAnswerQuestion(app_context), tracker)
    assert run.custom["answer_id"] == "nurse-callback-number"
    assert run.slot("awaiting_callback") is None
    (flag,) = _flags(app_context)
    assert flag.callback_phone == "07700 900123"


def _flags(app: AppContext) -> list[Flag]:
    with app.database.unit_of_work() as session:
        return list(session.scalars(select(Flag)))
