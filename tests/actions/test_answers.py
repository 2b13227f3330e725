from actions.answers import ActionAnswerQuestion
from clinic_assistant.app import AppContext
from clinic_assistant.contract import TRIAGE_LEVELS
from tests.actions.conftest import make_tracker

TAP = {"entity": "procedure", "value": "tap_flap", "text": "TAP flap", "start": 10, "end": 18}


def test_answers_a_tap_flap_question_with_the_flap_answer_and_its_sources(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker("what is a TAP flap?", "ask_flap", entities=[TAP])
    run = run_action(ActionAnswerQuestion(app_context), tracker)
    (message,) = run.messages
    assert "TAP flap" in message["text"]
    assert run.custom["topic"] == "option_flap"
    assert run.custom["answer_id"] == "flap-overview"
    macmillan = {
        "publisher": "Macmillan Cancer Support",
        "document": "001_8c0aa7367bd335ad.txt",
        "title": "Breast reconstruction after breast-conserving surgery",
    }
    assert macmillan in run.custom["sources"]


def test_every_answer_carries_the_full_reply_contract(app_context: AppContext, run_action) -> None:
    for intent in (
        "greet",
        "ask_what_is",
        "ask_options",
        "ask_flap",
        "ask_implant",
        "ask_fat_grafting",
        "ask_timing",
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
    text = run.messages[0]["text"]
    assert "Riverside Breast Unit" in text and "999" in text
    assert run.custom["topic"] == "greeting_smalltalk"


def test_remembers_the_topic_and_answer_for_follow_up_questions(
    app_context: AppContext, run_action
) -> None:
    run = run_action(
        ActionAnswerQuestion(app_context), make_tracker("lipofilling?", "ask_fat_grafting")
    )
    assert run.slot("last_topic") == "option_fat_grafting"
    assert run.slot("last_answer_id") == "fat-grafting-overview"


def test_an_intent_without_an_answer_offers_topics_instead_of_guessing(
    app_context: AppContext, run_action
) -> None:
    run = run_action(ActionAnswerQuestion(app_context), make_tracker("hmm", "ask_unknown_thing"))
    assert run.custom["topic"] == "fallback"
    assert run.messages[0]["buttons"]
