"""The learned opinion raises the rules' level, except where the rules had a reason not to."""

from __future__ import annotations

from clinic_assistant.triage import TriageEngine
from clinic_assistant.triage.second_opinion import CONFIDENT, with_second_opinion

UNSURE = CONFIDENT - 0.2
SURE = CONFIDENT + 0.05


def opinion(level: str, probability: float) -> dict:
    """The opinion ``level`` with ``probability``; the rest of the mass on level none."""
    return {"level": level, "probabilities": {level: probability, "none": 1 - probability}}


def test_raises_a_symptom_report_the_rules_have_no_words_for(triage_engine: TriageEngine) -> None:
    text = "everything went swimmy and I had to sit on the bathroom floor"
    assert triage_engine.assess(text).level == "none"
    raised = with_second_opinion(
        triage_engine.assess(text), opinion("emergency", UNSURE), "report_symptom"
    )
    assert raised.level == "emergency"
    assert raised.reason == "symptoms that can be a sign of an emergency"


def test_a_symptom_report_the_model_is_unsure_of_still_takes_an_emergency_opinion(
    triage_engine: TriageEngine,
) -> None:
    text = "everything went swimmy and I had to sit on the bathroom floor"
    assessment = triage_engine.assess(text)
    unsure_report = with_second_opinion(
        assessment, opinion("emergency", UNSURE), "nlu_fallback", "report_symptom"
    )
    assert unsure_report.level == "emergency"
    unsure_question = with_second_opinion(
        assessment, opinion("emergency", UNSURE), "nlu_fallback", "ask_recovery"
    )
    assert unsure_question.level == "none"


def test_an_unsure_report_needs_a_confident_opinion_below_an_emergency(
    triage_engine: TriageEngine,
) -> None:
    assessment = triage_engine.assess("my boob feels a bit odd today, hard to describe")
    for level in ("routine_followup", "contact_team_today"):
        raised = with_second_opinion(
            assessment, opinion(level, UNSURE), "nlu_fallback", "report_symptom"
        )
        assert raised.level == "none"


def test_a_message_that_reads_as_no_report_needs_a_confident_opinion(
    triage_engine: TriageEngine,
) -> None:
    complaint = triage_engine.assess("nobody explained anything, totally unacceptable")
    assert with_second_opinion(complaint, opinion("emergency", UNSURE), "complain").level == "none"
    assert with_second_opinion(complaint, opinion("emergency", SURE), "complain").level == (
        "emergency"
    )


def test_feelings_the_model_reads_as_worry_are_not_raised_however_sure_the_opinion(
    triage_engine: TriageEngine,
) -> None:
    for text in ("I keep crying about Friday", "so scared I can't think straight"):
        feelings = triage_engine.assess(text)
        assert feelings.feelings and not feelings.symptoms_named
        sure = opinion("emergency", 0.95)
        assert with_second_opinion(feelings, sure, "express_worry").level == "none"
        guessed = with_second_opinion(feelings, sure, "nlu_fallback", "express_worry")
        assert guessed.level == "none"


def test_feelings_beside_a_symptom_word_still_take_a_sure_opinion(
    triage_engine: TriageEngine,
) -> None:
    # Fear and a symptom the rules name but find no sign in: the opinion may still count.
    text = "terrified, my boob feels really odd and tight tonight"
    assessment = triage_engine.assess(text)
    assert assessment.feelings and assessment.symptoms_named and assessment.level == "none"
    raised = with_second_opinion(assessment, opinion("contact_team_today", SURE), "express_worry")
    assert raised.level == "contact_team_today"


def test_never_lowers_what_the_rules_found(triage_engine: TriageEngine) -> None:
    assessment = triage_engine.assess("my chest feels tight")
    assert with_second_opinion(assessment, opinion("none", 0.99)).level == "emergency"


def test_a_denied_sign_needs_a_confident_opinion(triage_engine: TriageEngine) -> None:
    text = "no fever, no redness, just asking about fat grafting"
    unsure = with_second_opinion(triage_engine.assess(text), opinion("contact_team_today", UNSURE))
    sure = with_second_opinion(triage_engine.assess(text), opinion("contact_team_today", SURE))
    assert unsure.level == "none"
    assert sure.level == "contact_team_today"


def test_a_plain_question_needs_a_confident_opinion(triage_engine: TriageEngine) -> None:
    question = triage_engine.assess("how long does a TAP flap take to heal?")
    assert with_second_opinion(question, opinion("routine_followup", UNSURE), "ask_flap").level == (
        "none"
    )


def test_feelings_alone_need_a_confident_opinion(triage_engine: TriageEngine) -> None:
    scared = triage_engine.assess("I'm so scared I can't think straight")
    assert with_second_opinion(scared, opinion("contact_team_today", UNSURE)).level == "none"


def test_no_opinion_changes_nothing(triage_engine: TriageEngine) -> None:
    assessment = triage_engine.assess("the drain tube fell out")
    assert with_second_opinion(assessment, None) == assessment
    assert with_second_opinion(assessment, {"level": "bogus"}) == assessment


def test_never_adds_a_routine_flag_to_a_message_that_reads_as_no_report(
    triage_engine: TriageEngine,
) -> None:
    question = triage_engine.assess("is that permanent?")
    assert with_second_opinion(question, opinion("routine_followup", 0.99), "ask_risks").level == (
        "none"
    )


def test_a_fully_denied_information_question_is_not_raised_to_a_same_day_alarm(
    triage_engine: TriageEngine,
) -> None:
    text = "no redness, no swelling, my temperature is normal. when can I go swimming?"
    assessment = triage_engine.assess(text)
    assert assessment.symptoms_denied
    same_day = with_second_opinion(assessment, opinion("contact_team_today", 0.95), "ask_recovery")
    emergency = with_second_opinion(assessment, opinion("emergency", 0.95), "ask_recovery")
    assert same_day.level == "none"
    assert emergency.level == "emergency"
    unsure = with_second_opinion(
        assessment, opinion("contact_team_today", 0.95), "nlu_fallback", "ask_recovery"
    )
    assert unsure.level == "none"
    read_as_report = with_second_opinion(
        assessment, opinion("contact_team_today", 0.95), "nlu_fallback", "report_symptom", text
    )
    assert read_as_report.level == "none"


def test_a_denial_the_model_is_sure_is_a_symptom_report_keeps_the_opinion(
    triage_engine: TriageEngine,
) -> None:
    text = "no redness, no swelling, my temperature is normal. when can I go swimming?"
    raised = with_second_opinion(
        triage_engine.assess(text), opinion("contact_team_today", 0.95), "report_symptom", "", text
    )
    assert raised.level == "contact_team_today"


def test_a_denial_beside_words_the_rules_do_not_know_still_takes_the_opinion(
    triage_engine: TriageEngine,
) -> None:
    text = "no fever, but everything keeps going swimmy and pale"
    assessment = triage_engine.assess(text)
    assert assessment.level == "none"
    raised = with_second_opinion(assessment, opinion("contact_team_today", SURE), "ask_recovery")
    assert raised.level == "contact_team_today"
