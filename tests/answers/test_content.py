"""What every curated answer must be: plain, short, sourced, and careful with figures."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest
import textstat

from clinic_assistant.answers.catalogue import UNSOURCED_TOPICS, Catalogue

NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _plain(text: str) -> str:
    """The text without placeholders, which the settings fill in."""
    return re.sub(r"\{[a-z_]+\}", "the clinic", text)


def _figures(text: str) -> set[str]:
    """Numbers in the text; "N out of 100" is how a percentage is said, 100 is not a figure."""
    return set(NUMBER.findall(re.sub(r"\b(out of|in) 100\b", "", _plain(text))))


def test_answers_are_plain_language_median_grade_8_and_none_above_10(
    catalogue: Catalogue, capsys
) -> None:
    grades = {a.id: textstat.flesch_kincaid_grade(_plain(a.text)) for a in catalogue.answers}
    with capsys.disabled():
        print(
            f"\nFlesch-Kincaid grade of {len(grades)} answers: median "
            f"{statistics.median(grades.values()):.1f}, highest {max(grades.values()):.1f}"
        )
    assert statistics.median(grades.values()) <= 8
    assert {answer: grade for answer, grade in grades.items() if grade > 10} == {}


def test_answers_are_at_most_about_120_words(catalogue: Catalogue) -> None:
    long = {a.id: len(a.text.split()) for a in catalogue.answers if len(a.text.split()) > 125}
    assert long == {}


def test_every_figure_in_an_answer_is_in_the_source_it_cites(
    catalogue: Catalogue, project_root: Path
) -> None:
    unsupported = {}
    for answer in catalogue.answers:
        documents = " ".join(
            (project_root / "docs/sources" / catalogue.sources[key].document).read_text()
            for key in answer.sources
        )
        source_numbers = set(NUMBER.findall(documents))
        missing = _figures(answer.text) - source_numbers
        if missing:
            unsupported[answer.id] = sorted(missing)
    assert unsupported == {}


def test_answers_from_the_clinician_facing_ai_document_await_review_and_defer_to_the_team(
    catalogue: Catalogue,
) -> None:
    from_ai = [a for a in catalogue.answers if "droracle" in a.sources]
    assert len(from_ai) >= 10
    for answer in from_ai:
        assert answer.review_status == "needs_clinical_review", answer.id
        assert "your own team" in answer.text.lower(), answer.id


@pytest.mark.parametrize(
    "answer_id",
    [
        "prognosis-after-mastectomy",
        "prognosis-time-to-recurrence",
        "prognosis-recurrence-facts",
        "recurrence-repeat-lumpectomy",
    ],
)
def test_figures_are_given_for_groups_never_as_a_personal_prediction(
    catalogue: Catalogue, answer_id: str
) -> None:
    (answer,) = [a for a in catalogue.answers if a.id == answer_id]
    assert "out of 100" in answer.text
    assert re.search(r"not (a prediction for you|say what will happen to you)", answer.text)


def test_answers_without_a_source_carry_no_medical_facts(catalogue: Catalogue) -> None:
    unsourced = [a for a in catalogue.answers if not a.sources]
    assert {a.topic for a in unsourced} <= set(UNSOURCED_TOPICS)
    assert all(not NUMBER.search(_plain(a.text)) for a in unsourced)


def test_the_sources_cover_every_topic_of_the_reply_contract_they_support(
    catalogue: Catalogue,
) -> None:
    topics = {a.topic for a in catalogue.answers}
    assert {
        "what_is", "option_tissue_rearrangement", "option_reduction_reshaping",
        "option_symmetry_other_breast", "option_flap", "option_implant", "option_fat_grafting",
        "timing", "radiation", "risks", "recovery", "preparation_team", "margins_more_surgery",
        "recurrence_treatment", "prognosis", "greeting_smalltalk", "out_of_scope", "red_flag",
        "needs_surgeon_decision", "fallback",
    } <= topics  # fmt: skip
