"""Understanding judged on the frozen test split of the patient corpus, through the product.

``tests/nlu/real_test.yml`` holds real patients' wording from pages that no training example
came from (``tools/build_corpus.py`` splits by page and drops near-copies); nothing is tuned on
it. Each message goes through the running product (Rasa, the action server, the answer chosen
inside a topic) and the reply's topic is compared with the message's label. The bounds are
what ``make evaluate`` measured (README, "How well it understands"): a drop below the floor or
a rise above the ceiling fails. The issue's own targets (90% right, 3% wrong on the yardstick)
are far above these and are reported there as missed.
"""

from __future__ import annotations

import pytest

from clinic_assistant.evaluation import NLU_TEST, nlu_report
from clinic_assistant.runtime.stack import Stack
from clinic_common.topics import read_labelled

pytestmark = pytest.mark.conversation

# Measured with `make evaluate` (results/evaluate.md, 2026-12-01, after the eighth corpus
# batches): 67.1% right, 21.7% wrong (after the seventh batch, the 0.65 threshold and questions
# the model leans towards personal 67.4% and 21.1%; after the sixth 64.5% and 21.7%; after the
# fourth 64.2% and 21.4%; before best guesses were answered below the threshold 53.4% and
# 13.1%, README).
RIGHT_FLOOR = 0.67
WRONG_CEILING = 0.218
# Plain questions (no sign, not a personal decision) flagged at all / raised to same-day:
# 17 and 7 of 276 after the eighth batches (after the seventh 16 and 6; after the sixth 16
# and 5; README).
FLAGGED_CEILING = 0.062
RAISED_CEILING = 0.026


@pytest.fixture(scope="module")
def report(stack: Stack, project_root) -> dict:
    messages = read_labelled(project_root / NLU_TEST)
    result = nlu_report(stack.config.webhook_url, messages, project_root / "data" / "answers")
    for measure in ("right", "wrong", "fallback"):
        print(f"{measure}: {result[measure]['hits']}/{result[measure]['n']}")
    return result


def test_the_frozen_split_is_big_enough_to_judge_by(report) -> None:
    assert report["right"]["n"] >= 300


def test_real_patient_questions_get_the_right_topic_at_least_as_often_as_measured(report) -> None:
    assert report["right"]["rate"] >= RIGHT_FLOOR


def test_real_patient_questions_get_a_wrong_topic_no_more_often_than_measured(report) -> None:
    wrong = [(r["text"], r["expected"], r["got"]) for r in report["rows"]
             if r["got"] not in (r["expected"], "fallback")]  # fmt: skip
    assert report["wrong"]["rate"] <= WRONG_CEILING, wrong


def test_plain_questions_are_rarely_flagged(report) -> None:
    assert report["plain_questions_flagged"]["rate"] <= FLAGGED_CEILING
    assert report["plain_questions_raised_to_same_day"]["rate"] <= RAISED_CEILING
