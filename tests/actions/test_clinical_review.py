"""Answers a clinician has not signed off yet: a notice under them, or, where the clinic holds
them back, a short safe reply and a routine flag for the nurses."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from actions.answers import ActionAnswerQuestion
from clinic_assistant.app import AppContext
from clinic_assistant.db.models import Flag
from clinic_assistant.dialogue.reply import REVIEW_NOTICE
from tests.actions.conftest import make_tracker

QUESTION = ("what is the treatment if the cancer comes back in the same breast?",
            "ask_recurrence_treatment")  # fmt: skip


def test_an_unreviewed_answer_carries_its_status_and_a_notice_for_the_patient(
    app_context: AppContext, run_action
) -> None:
    run = run_action(ActionAnswerQuestion(app_context), make_tracker(*QUESTION))
    assert run.custom["answer_id"] == "recurrence-standard-treatment"
    assert run.custom["review_status"] == "needs_clinical_review"
    assert run.custom["notice"] == REVIEW_NOTICE
    assert run.custom["sources"][0]["description"] == "AI-generated summary written for doctors"


def test_a_checked_answer_has_no_notice(app_context: AppContext, run_action) -> None:
    run = run_action(ActionAnswerQuestion(app_context), make_tracker("what is a TAP flap?",
                                                                    "ask_flap"))  # fmt: skip
    assert run.custom["review_status"] == "source_verified"
    assert "notice" not in run.custom
    assert all("description" not in source for source in run.custom["sources"])


def test_a_clinic_that_holds_unreviewed_answers_back_gives_the_number_and_flags_it(
    app_context: AppContext, run_action
) -> None:
    app_context.settings = replace(app_context.settings, require_clinical_approval=True)
    run = run_action(ActionAnswerQuestion(app_context), make_tracker(*QUESTION, sender="p-held"))
    assert run.custom["answer_id"] == "held-for-clinical-review"
    assert run.custom["held_answer_id"] == "recurrence-standard-treatment"
    assert run.custom["topic"] == "recurrence_treatment"
    assert run.custom["sources"] == [] and "notice" not in run.custom
    assert "mastectomy" not in run.text
    assert "01632 960 123" in run.text and run.custom["flag_reference"] in run.text
    assert run.custom["triage"]["level"] == "routine_followup"
    with app_context.database.unit_of_work() as session:
        (flag,) = session.scalars(select(Flag))
        assert (flag.conversation_id, flag.level, flag.kind) == (
            "p-held",
            "routine_followup",
            "held_answer",
        )


def test_holding_answers_back_leaves_checked_answers_as_they_are(
    app_context: AppContext, run_action
) -> None:
    app_context.settings = replace(app_context.settings, require_clinical_approval=True)
    run = run_action(ActionAnswerQuestion(app_context), make_tracker("what is a TAP flap?",
                                                                    "ask_flap"))  # fmt: skip
    assert run.custom["answer_id"] == "flap-overview"
    assert run.custom["triage"]["level"] == "none"
