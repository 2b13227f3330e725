"""Questions only the patient's own team can answer are flagged for it, judged on a frozen set.

``tests/nlu/needs_surgeon_test.jsonl`` holds questions paraphrased from public pages nothing
else came from (``tools/build_corpus.py --freeze``): personal decisions ("with my margins,
would a lift work for me?", a blood thinner to stop before the operation) marked
``needs_surgeon``, and the same subjects asked in general, which are not. Each goes through the
running product; a personal decision should raise a flag for the team (any level), a general
question should not. The bounds are what ``make evaluate`` measured (README, Triage); the
yardstick's target (95% of questions that need a surgeon) is reported there as missed.
"""

from __future__ import annotations

import pytest

from clinic_assistant.evaluation import needs_surgeon_report, read_jsonl
from clinic_assistant.runtime.stack import Stack
from clinic_common.corpus import NEEDS_SURGEON_SET

pytestmark = pytest.mark.conversation

# Measured with `make evaluate`, 2026-12-01, after the eighth batches: 78 of 122 personal
# decisions flagged, 3 of 83 general questions (when the set was frozen, on the seventh
# batch's model: 73 and 3).
PERSONAL_FLAGGED_FLOOR = 0.639
GENERAL_FLAGGED_CEILING = 0.037


@pytest.fixture(scope="module")
def report(stack: Stack, project_root) -> dict:
    result = needs_surgeon_report(
        stack.config.webhook_url, read_jsonl(project_root / NEEDS_SURGEON_SET)
    )
    for measure in ("personal_flagged", "general_flagged"):
        print(f"{measure}: {result[measure]['hits']}/{result[measure]['n']}")
    return result


def test_the_set_is_big_enough_to_judge_by(report) -> None:
    assert report["personal_flagged"]["n"] >= 100
    assert report["general_flagged"]["n"] >= 60


def test_personal_decisions_are_flagged_for_the_team_at_least_as_often_as_measured(report):
    assert report["personal_flagged"]["rate"] >= PERSONAL_FLAGGED_FLOOR


def test_the_same_subjects_asked_in_general_are_rarely_flagged(report) -> None:
    flagged = [r["text"] for r in report["rows"] if not r["needs_surgeon"] and r["got"] != "none"]
    assert report["general_flagged"]["rate"] <= GENERAL_FLAGGED_CEILING, flagged
