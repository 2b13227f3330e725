"""What every curated answer must be: plain, short, sourced, and careful with figures."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest
import textstat

from clinic_assistant.answers.catalogue import UNSOURCED_TOPICS, Catalogue, load_catalogue
from clinic_assistant.settings import PROJECT_ROOT

NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Read at collection time so that each answer is a test of its own, named by its id.
ANSWER_IDS = [a.id for a in load_catalogue(PROJECT_ROOT / "data" / "answers").answers]
# Words copied in a row from a source: more than this is the source's wording, not ours.
COPIED_RUN = 8
MAX_GRADE = 8


def _plain(text: str) -> str:
    """The text without placeholders, which the settings fill in."""
    return re.sub(r"\{[a-z_]+\}", "the clinic", text)


def _figures(text: str) -> set[str]:
    """Numbers in the text; "N out of 100" is how a percentage is said, 100 is not a figure."""
    return set(NUMBER.findall(re.sub(r"\b(out of|in) 100\b", "", _plain(text))))


def _answer(catalogue: Catalogue, answer_id: str):
    (answer,) = [a for a in catalogue.answers if a.id == answer_id]
    return answer


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("\u2019", "'"))


def _runs(words: list[str], length: int = COPIED_RUN) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}


@pytest.fixture(scope="module")
def source_runs(catalogue: Catalogue, project_root: Path) -> dict[str, set[tuple[str, ...]]]:
    documents = {key: project_root / "docs/sources" / s.document
                 for key, s in catalogue.sources.items()}  # fmt: skip
    return {key: _runs(_words(path.read_text())) for key, path in documents.items()}


@pytest.mark.parametrize("answer_id", ANSWER_IDS)
def test_the_answer_is_at_most_reading_grade_8(catalogue: Catalogue, answer_id: str) -> None:
    grade = textstat.flesch_kincaid_grade(_plain(_answer(catalogue, answer_id).text))
    assert grade <= MAX_GRADE


@pytest.mark.parametrize("answer_id", ANSWER_IDS)
def test_the_answer_shares_no_run_of_8_words_with_any_source_document(
    catalogue: Catalogue, source_runs: dict[str, set[tuple[str, ...]]], answer_id: str
) -> None:
    runs = _runs(_words(_plain(_answer(catalogue, answer_id).text)))
    copied = {key: sorted(" ".join(run) for run in runs & theirs)
              for key, theirs in source_runs.items() if runs & theirs}  # fmt: skip
    assert copied == {}


def test_the_copy_check_finds_a_sentence_taken_from_macmillan(
    source_runs: dict[str, set[tuple[str, ...]]],
) -> None:
    copied = "You can have surgery to make your other breast smaller so your breasts match."
    assert _runs(_words(copied)) & source_runs["macmillan"]


def test_answers_are_plain_language_median_grade_under_7(catalogue: Catalogue, capsys) -> None:
    grades = {a.id: textstat.flesch_kincaid_grade(_plain(a.text)) for a in catalogue.answers}
    with capsys.disabled():
        print(
            f"\nFlesch-Kincaid grade of {len(grades)} answers: median "
            f"{statistics.median(grades.values()):.1f}, highest {max(grades.values()):.1f}"
        )
    assert statistics.median(grades.values()) < 7


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
    assert len(from_ai) >= 13
    for answer in from_ai:
        assert answer.review_status == "needs_clinical_review", answer.id
        assert "your own team will decide with you" in answer.text.lower(), answer.id
        assert "a summary written for doctors" in answer.text.lower(), answer.id


def test_the_ai_source_is_described_to_patients_as_what_it_is(catalogue: Catalogue) -> None:
    source = catalogue.sources["droracle"]
    assert source.description == "AI-generated summary written for doctors"
    assert source.requires_clinical_review


@pytest.mark.parametrize(
    "answer_id",
    [
        "prognosis-after-mastectomy",
        "prognosis-time-to-recurrence",
        "prognosis-recurrence-facts",
        "prognosis-kind-of-recurrence",
        "recurrence-repeat-lumpectomy",
    ],
)
def test_figures_are_given_for_groups_never_as_a_personal_prediction(
    catalogue: Catalogue, answer_id: str
) -> None:
    (answer,) = [a for a in catalogue.answers if a.id == answer_id]
    assert "out of 100" in answer.text
    assert re.search(r"not (a prediction for you|say what will happen to you)", answer.text)


# ------------------------------------------------------------- what the content review found
def test_reshaping_and_margins_defines_nothing_macmillan_does_not_and_spells_out_dcis(
    catalogue: Catalogue,
) -> None:
    text = _answer(catalogue, "margins-reshaping-helps").text
    assert "DCIS (ductal carcinoma in situ)" in text
    assert "standard wide local excision" in text
    assert "a little tissue around it" not in text and "lump and" not in text


def test_deciding_together_keeps_what_decides_the_choice_apart_from_the_timing(
    catalogue: Catalogue,
) -> None:
    text = _answer(catalogue, "preparation-deciding-together").text
    assert text.startswith("Which option suits you depends on your own case")
    assert "When it is done also depends on" in text
    assert "plastic surgeon" not in text


def test_the_two_prognosis_answers_say_what_each_factor_is_about(catalogue: Catalogue) -> None:
    interval = _answer(catalogue, "prognosis-time-to-recurrence").text
    size = _answer(catalogue, "prognosis-after-mastectomy").text
    assert "The summary for doctors draws on two studies" in interval
    assert "is the most important factor" not in interval
    assert size.startswith("These figures come from one study of people who had a mastectomy")
    assert "Within this study, the size of the first cancer was the only thing" in size


def test_figures_from_one_reference_are_not_said_to_come_from_studies(
    catalogue: Catalogue,
) -> None:
    for answer_id in ("prognosis-time-to-recurrence", "prognosis-recurrence-facts"):
        assert "In studies" not in _answer(catalogue, answer_id).text, answer_id


def test_a_second_lumpectomy_is_only_an_option_and_the_two_local_control_figures_are_explained(
    catalogue: Catalogue,
) -> None:
    repeat = _answer(catalogue, "recurrence-repeat-lumpectomy").text
    standard = _answer(catalogue, "recurrence-standard-treatment").text
    assert "is only an option if" in repeat and "usually only" not in repeat
    assert "One study looked at 5 years" in repeat
    assert "about 95 out of 100" in standard and "about 88 out of 100" in standard
    assert "The figures differ because they come from different studies." in standard


def test_soreness_after_surgery_may_happen_it_is_not_said_to_be_usual(
    catalogue: Catalogue,
) -> None:
    text = _answer(catalogue, "symptom-common-after-surgery").text
    assert "You may also be sore for a few days." in text
    assert "usual" not in text


def test_the_medicines_answer_gives_the_emergency_route_for_an_overdose_or_a_reaction(
    catalogue: Catalogue,
) -> None:
    text = _answer(catalogue, "out-of-scope-medicines").text
    assert "taken too much of a medicine" in text
    assert "lips, tongue, face or throat swell" in text
    assert (
        text.count("call {emergency_number} now") + text.count("Call {emergency_number} now") == 2
    )


def test_the_fallback_has_a_safety_line(catalogue: Catalogue) -> None:
    text = _answer(catalogue, "fallback-not-sure").text
    assert "If you have a worrying symptom, please call your team on {urgent_phone}." in text
    assert "call {emergency_number} now" in text


def test_the_greeting_lists_recurrence_and_support(catalogue: Catalogue) -> None:
    text = _answer(catalogue, "greeting-hello").text
    assert "what happens if the cancer comes back" in text and "support" in text


@pytest.mark.parametrize(
    ("answer_id", "facts"),
    [
        ("prognosis-kind-of-recurrence", ["no further recurrences", "about 55 out of 100"]),
        ("recurrence-why-mastectomy", ["no finding from the tissue tests can reliably"]),
        ("recurrence-advanced", ["If chemo can't be given, radiotherapy can be used."]),
        ("recurrence-radiotherapy", ["chemotherapy is not possible, radiotherapy can be used"]),
        ("recurrence-lymph-nodes", ["In the armpit", "Above the collarbone",
                                    "Behind the breastbone", "chest wall"]),
    ],
)  # fmt: skip
def test_facts_the_review_found_missing_are_covered(
    catalogue: Catalogue, answer_id: str, facts: list[str]
) -> None:
    text = _answer(catalogue, answer_id).text
    for fact in facts:
        assert fact in text


def test_every_node_area_names_the_chest_wall(catalogue: Catalogue) -> None:
    text = _answer(catalogue, "recurrence-lymph-nodes").text
    areas = [sentence for sentence in text.split(". ") if "radiotherapy" in sentence.lower()]
    assert len(areas) == 3
    assert all("chest wall" in area for area in areas), areas


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
