from actions.fallback import ActionDefaultFallback, ActionOfferTopics
from clinic_assistant.app import AppContext
from clinic_common.topics import BEST_GUESS_CONFIDENCE
from tests.actions.conftest import make_tracker

RANKING = [
    ("nlu_fallback", 0.6),
    ("ask_implant", 0.3),
    ("ask_flap", 0.25),
    ("greet", 0.1),
    ("ask_timing", 0.05),
    ("ask_what_is", 0.01),
]


def test_says_it_is_not_sure_and_offers_the_likeliest_topics_as_buttons(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker(
        "can i use the thing from my tummy", "nlu_fallback", 0.6, ranking=RANKING
    )
    run = run_action(ActionOfferTopics(app_context), tracker)
    (message,) = run.messages
    assert "not sure" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == [
        "/ask_implant",
        "/ask_flap",
        "/ask_timing",
    ]
    assert run.custom["topic"] == "fallback"
    assert run.custom["answer_id"] == "fallback-not-sure"
    assert run.custom["sources"] == []
    assert run.custom["triage"] == {"level": "none", "reason": ""}
    assert run.custom["suggestions"] == ["ask_implant", "ask_flap", "ask_timing"]


def test_offers_at_least_two_topics_even_when_the_ranking_has_none(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker("???", "nlu_fallback", 0.3, ranking=[("nlu_fallback", 0.3)])
    run = run_action(ActionOfferTopics(app_context), tracker)
    assert 2 <= len(run.messages[0]["buttons"]) <= 3


def test_the_dialogue_fallback_replies_with_the_contract_too(
    app_context: AppContext, run_action
) -> None:
    run = run_action(ActionDefaultFallback(app_context), make_tracker("ok", "greet", 0.9))
    assert run.custom["topic"] == "fallback"


FOLLOW_UP_RANKING = [("nlu_fallback", 0.64), ("ask_what_is", 0.3), ("ask_risks", 0.2)]


def unsure_topic_after(
    app_context: AppContext,
    run_action,
    text: str,
    last_topic: str,
    ranking: list[tuple[str, float]] = FOLLOW_UP_RANKING,
) -> str:
    """The reply's topic for an unsure message sent after an answer on ``last_topic``."""
    tracker = make_tracker(
        text, "nlu_fallback", 0.6, ranking=ranking, slots={"last_topic": last_topic}
    )
    return run_action(ActionDefaultFallback(app_context), tracker).custom["topic"]


def test_answers_an_unsure_follow_up_inside_the_topic_just_discussed(
    app_context: AppContext, run_action
) -> None:
    assert unsure_topic_after(app_context, run_action, "is that permanent?", "risks") == "risks"


def test_offers_topics_when_the_follow_up_does_not_match_the_topic_discussed(
    app_context: AppContext, run_action
) -> None:
    topic = unsure_topic_after(app_context, run_action, "is that permanent?", "prognosis")
    assert topic == "fallback"


LOST_RANKING = [("nlu_fallback", 0.66), ("ask_margins", 0.15), ("ask_radiation", 0.11),
                ("ask_implant", 0.1), ("ask_flap", 0.07), ("ask_risks", 0.05)]  # fmt: skip


def test_a_follow_up_the_model_has_no_guess_for_is_answered_inside_the_topic_discussed(
    app_context: AppContext, run_action
) -> None:
    # No guess reaches BEST_GUESS_CONFIDENCE: the conversation is all there is to go on.
    topic = unsure_topic_after(app_context, run_action, "is that permanent?", "risks", LOST_RANKING)
    assert topic == "risks"


def test_a_follow_up_the_model_reads_as_another_topic_is_not_forced_into_the_last_one(
    app_context: AppContext, run_action
) -> None:
    ranking = [("nlu_fallback", 0.66), ("ask_radiation", 0.5), ("ask_margins", 0.2),
               ("ask_implant", 0.1), ("ask_flap", 0.07), ("ask_risks", 0.05)]  # fmt: skip
    text = "is that after radiotherapy?"
    assert unsure_topic_after(app_context, run_action, text, "risks", ranking) == "radiation"


def test_a_new_unsure_question_is_not_taken_for_a_follow_up(
    app_context: AppContext, run_action
) -> None:
    text = "can i use the thing from my tummy"
    assert unsure_topic_after(app_context, run_action, text, "risks") == "fallback"


def test_an_unsure_question_naming_a_procedure_gets_that_procedures_answer_its_words_pick(
    app_context: AppContext, run_action
) -> None:
    reduction = {"entity": "procedure", "value": "reduction_reshaping", "text": "breast reduction",
                 "start": 24, "end": 40}  # fmt: skip
    tracker = make_tracker(
        "what are the benefits of breast reduction and reshaping?", "nlu_fallback", 0.6,
        entities=[reduction], ranking=[("nlu_fallback", 0.64), ("ask_reduction_reshaping", 0.6)],
    )  # fmt: skip
    run = run_action(ActionDefaultFallback(app_context), tracker)
    assert run.custom["answer_id"] == "reduction-reshaping-benefits"


def guess_ranking(intent: str, confidence: float) -> list[tuple[str, float]]:
    """Below the fallback threshold, with ``intent`` the model's best guess."""
    return [("nlu_fallback", 0.64), (intent, confidence), ("ask_flap", 0.15),
            ("ask_timing", 0.1), ("ask_what_is", 0.05)]  # fmt: skip


def test_answers_the_best_guess_says_it_is_a_guess_and_offers_the_other_likely_topics(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker(
        "would they use one of those silicone things", "nlu_fallback", 0.64,
        ranking=guess_ranking("ask_implant", BEST_GUESS_CONFIDENCE + 0.05),
    )  # fmt: skip
    run = run_action(ActionOfferTopics(app_context), tracker)
    (message,) = run.messages
    assert run.custom["topic"] == "option_implant"
    assert run.custom["best_guess"] is True
    assert run.custom["sources"]
    assert message["text"].startswith("I'm not completely sure what you're asking")
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == ["/ask_flap", "/ask_timing"]
    assert run.custom["suggestions"] == ["ask_flap", "ask_timing"]


def test_offers_topics_instead_of_a_guess_the_model_gives_too_little(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker(
        "would they use one of those silicone things", "nlu_fallback", 0.64,
        ranking=guess_ranking("ask_implant", BEST_GUESS_CONFIDENCE - 0.05),
    )  # fmt: skip
    assert run_action(ActionOfferTopics(app_context), tracker).custom["topic"] == "fallback"


def test_never_guesses_a_frightening_topic_the_message_did_not_raise(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker(
        "what happens after all this is over", "nlu_fallback", 0.64,
        ranking=guess_ranking("ask_prognosis", 0.6),
    )  # fmt: skip
    assert run_action(ActionOfferTopics(app_context), tracker).custom["topic"] == "fallback"


def test_never_guesses_for_a_message_of_words_it_does_not_know(
    app_context: AppContext, run_action
) -> None:
    tracker = make_tracker(
        "zorblax quimmet fentaloo", "nlu_fallback", 0.64, ranking=guess_ranking("ask_implant", 0.6)
    )
    tracker.latest_message["unknown_words"] = {"known_share": 0.0}
    assert run_action(ActionOfferTopics(app_context), tracker).custom["topic"] == "fallback"
