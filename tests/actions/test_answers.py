from actions.answers import ActionAnswerQuestion
from clinic_assistant.app import AppContext
from clinic_common.contract import TRIAGE_LEVELS
from tests.actions.conftest import make_tracker

TAP = {"entity": "procedure", "value": "tap_flap", "text": "TAP flap", "start": 10, "end": 18}


def test_answers_a_tap_flap_question_with_the_tap_and_ld_answer_and_its_sources(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker("what is a TAP flap?", "ask_flap", entities=[TAP])
    run = run_action(ActionAnswerQuestion(app_context), tracker)
    (message,) = run.messages
    assert "TAP flap" in message["text"]
    assert run.custom["topic"] == "option_flap"
    assert run.custom["answer_id"] == "flap-tap-and-ld"
    macmillan = {
        "publisher": "Macmillan Cancer Support",
        "document": "001_8c0aa7367bd335ad.txt",
        "title": "Breast reconstruction after breast-conserving surgery",
    }
    assert macmillan in run.custom["sources"]


def test_a_question_about_flaps_in_general_gets_the_overview(
    app_context: AppContext, run_action
) -> None:
    run = run_action(ActionAnswerQuestion(app_context), make_tracker("flaps?", "ask_flap"))
    assert run.custom["answer_id"] == "flap-overview"


def test_words_in_the_question_pick_the_answer_within_a_topic(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker("what are the benefits of reshaping?", "ask_reduction_reshaping")
    run = run_action(ActionAnswerQuestion(app_context), tracker)
    assert run.custom["answer_id"] == "reduction-reshaping-benefits"


def test_every_answer_carries_the_full_reply_contract(app_context: AppContext, run_action) -> None:
    for intent in (
        "greet",
        "ask_what_is",
        "ask_options",
        "ask_flap",
        "ask_implant",
        "ask_fat_grafting",
        "ask_timing",
        "ask_radiation",
        "ask_risks",
        "ask_recovery",
        "ask_preparation",
        "ask_margins",
        "ask_recurrence_treatment",
        "ask_prognosis",
        "ask_support",
        "out_of_scope",
        "bot_challenge",
    ):
        run = run_action(ActionAnswerQuestion(app_context), make_tracker("question", intent))
        custom = run.custom
        assert {"topic", "answer_id", "sources", "triage"} <= set(custom), intent
        assert custom["answer_id"]
        assert custom["triage"]["level"] in TRIAGE_LEVELS
        assert isinstance(custom["triage"]["reason"], str)
        for source in custom["sources"]:
            assert set(source) >= {"publisher", "document"}


def test_the_greeting_names_the_clinic_and_the_emergency_number(
    app_context: AppContext, run_action
) -> None:
    run = run_action(ActionAnswerQuestion(app_context), make_tracker("hello", "greet"))
    assert "Riverside Breast Unit" in run.text and "999" in run.text
    assert run.custom["topic"] == "greeting_smalltalk"


def test_answers_from_the_ai_generated_source_say_they_await_clinical_review(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker("what if it comes back?", "ask_recurrence_treatment")
    run = run_action(ActionAnswerQuestion(app_context), tracker)
    assert run.custom["review_status"] == "needs_clinical_review"
    assert "Your own team will decide" in run.text


def test_remembers_the_topic_and_answers_given_for_follow_ups(
    app_context: AppContext, run_action
) -> None:
    run = run_action(
        ActionAnswerQuestion(app_context), make_tracker("lipofilling?", "ask_fat_grafting")
    )
    assert run.slot("last_topic") == "option_fat_grafting"
    assert run.slot("last_answer_id") == "fat-grafting-overview"
    assert run.slot("given_answers") == ["fat-grafting-overview"]


def test_a_follow_up_without_a_procedure_uses_the_one_discussed_before(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker("and the risks?", "ask_risks", slots={"procedure": "tap_flap"})
    run = run_action(ActionAnswerQuestion(app_context), tracker)
    assert run.custom["topic"] == "risks"
    assert run.custom["context"] == {"procedure": "tap_flap", "from": "conversation"}


def test_tell_me_more_gives_the_next_answer_on_the_same_topic(
    app_context: AppContext, run_action
) -> None:
    slots = {"last_topic": "timing", "given_answers": ["timing-immediate-or-delayed"]}
    run = run_action(
        ActionAnswerQuestion(app_context), make_tracker("tell me more", "ask_more", slots=slots)
    )
    assert run.custom["answer_id"] == "timing-what-decides"
    assert run.slot("given_answers") == ["timing-immediate-or-delayed", "timing-what-decides"]


def test_tell_me_more_at_the_end_of_a_topic_says_so_and_offers_others(
    app_context: AppContext, run_action
) -> None:
    slots = {"last_topic": "recovery", "given_answers": ["recovery-overview"]}
    run = run_action(
        ActionAnswerQuestion(app_context), make_tracker("more", "ask_more", slots=slots)
    )
    assert run.custom["answer_id"] == "end-of-topic"
    assert 2 <= len(run.messages[0]["buttons"]) <= 3


def test_an_intent_without_an_answer_offers_topics_instead_of_guessing(
    app_context: AppContext, run_action
) -> None:
    run = run_action(ActionAnswerQuestion(app_context), make_tracker("hmm", "ask_unknown_thing"))
    assert run.custom["topic"] == "fallback"
    assert run.messages[0]["buttons"]
