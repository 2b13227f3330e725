"""Triage judged on descriptions that neither the rules nor the classifier ever saw.

Each frozen set (``clinic_common.corpus.FROZEN_TRIAGE_SETS``) was gathered from public pages
(post-operative and emergency guidance, patient forums) that no training example and no rule
came from, and frozen before it was measured (``tools/build_corpus.py`` keeps their pages and
messages out of everything learned from). The second was gathered after the first had been
read to find a defect, so that the fix could be judged on messages nobody had read. Each
message goes through the running product (rules and learned opinion together), and the share
answered at its level or a more cautious one is asserted per level. The floors are what
``make evaluate`` measured (README, Triage); the issue's targets (every emergency, 98% of
same-day signs) are stated there with where they were missed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic_assistant.evaluation import read_jsonl, triage_report
from clinic_assistant.runtime.stack import Stack
from clinic_common.corpus import FROZEN_TRIAGE_SETS

pytestmark = pytest.mark.conversation

FIRST, SECOND = FROZEN_TRIAGE_SETS
# Measured with `make evaluate` (results/evaluate.md); a drop below fails.
# 2026-12-01, after the eighth batch of descriptions and the patterns written from it: first
# set 77/77, 94/97, 39/52, plain raised 15/107; second set 97/98, 128/131, 52/64, 10/124
# (11/124 before feelings read as worry stopped taking the learned opinion).
# (First set after the seventh batch: 77/77, 92/97, 38/52, 13/107; after the sixth: 77/77,
# 93/97, 40/52, 16/107; after the fourth: 77/77, 94/97, 40/52, 18/107; before it 75/77, 95/97,
# 38/52, 16/107. Second set when it was frozen, on the seventh batch's code: 96/98, 127/131,
# 53/64, 10/124.) The second set's missed emergency: the target (every one) is not met on it.
FLOORS = {
    FIRST: {"emergency": 1.0, "contact_team_today": 0.969, "routine_followup": 0.75},
    SECOND: {"emergency": 0.989, "contact_team_today": 0.977, "routine_followup": 0.812},
}
# Plain messages (feelings, negated or expected findings) raised to same-day or emergency.
CEILING_NONE_RAISED = {FIRST: 0.141, SECOND: 0.081}


@pytest.fixture(scope="module", params=FROZEN_TRIAGE_SETS, ids=str)
def frozen(request, stack: Stack, project_root) -> tuple[Path, dict]:
    path = request.param
    result = triage_report(stack.config.webhook_url, read_jsonl(project_root / path))
    for level in ("emergency", "contact_team_today", "routine_followup", "none"):
        safe = result[level]["safe"]
        print(f"{path} {level}: {safe['hits']}/{safe['n']} = {safe['rate']:.3f} {safe['ci95']}")
    return path, result


def test_each_frozen_set_is_big_enough_to_judge_by(frozen) -> None:
    _, report = frozen
    levels = ("emergency", "contact_team_today", "routine_followup", "none")
    assert sum(report[level]["safe"]["n"] for level in levels) >= 300
    assert report["emergency"]["safe"]["n"] >= 60
    assert report["contact_team_today"]["safe"]["n"] >= 80


@pytest.mark.parametrize("level", ["emergency", "contact_team_today", "routine_followup"])
def test_unseen_descriptions_are_answered_at_their_level_or_more_cautiously(frozen, level) -> None:
    path, report = frozen
    floor = FLOORS[path][level]
    missed = [r["text"] for r in report["rows"] if r["level"] == level
              and r["got"] != level and report[level]["safe"]["rate"] < floor]  # fmt: skip
    assert report[level]["safe"]["rate"] >= floor, missed


def test_plain_messages_are_rarely_raised_to_a_same_day_alarm(frozen) -> None:
    path, report = frozen
    assert report["none"]["raised_to_same_day"]["rate"] <= CEILING_NONE_RAISED[path]
