"""Triage judged on descriptions that neither the rules nor the classifier ever saw.

``tests/triage/unseen.jsonl`` was gathered from public pages (post-operative and emergency
guidance, patient forums) that no training example and no rule came from, and frozen before
any tuning (``tools/build_corpus.py`` keeps its pages out of everything learned from). Each
message goes through the running product (rules and learned opinion together), and the share
answered at its level or a more cautious one is asserted per level. The floors are what
``make evaluate`` measured on this set (README, Triage); the issue's targets (every emergency,
98% of same-day signs) are stated there with where they were missed.
"""

from __future__ import annotations

import pytest

from clinic_assistant.evaluation import read_unseen_triage, triage_report
from clinic_assistant.runtime.stack import Stack

pytestmark = pytest.mark.conversation

# Measured with `make evaluate` (results/evaluate.md, 2026-12-01, after the seventh batch of
# descriptions and the rules written from it): 77/77, 92/97, 38/52, plain raised 13/107; a
# drop below fails. (After the sixth batch: 77/77, 93/97, 40/52, 16/107; after the fourth:
# 77/77, 94/97, 40/52, 18/107; before it 75/77, 95/97, 38/52 and 16/107.)
FLOORS = {"emergency": 1.0, "contact_team_today": 0.948, "routine_followup": 0.73}
# Plain messages (feelings, negated or expected findings) raised to same-day or emergency.
CEILING_NONE_RAISED = 0.125


@pytest.fixture(scope="module")
def report(stack: Stack, project_root) -> dict:
    items = read_unseen_triage(project_root / "tests/triage/unseen.jsonl")
    result = triage_report(stack.config.webhook_url, items)
    for level in ("emergency", "contact_team_today", "routine_followup", "none"):
        safe = result[level]["safe"]
        print(f"{level}: {safe['hits']}/{safe['n']} = {safe['rate']:.3f} CI {safe['ci95']}")
    return result


def test_the_frozen_set_is_big_enough_to_judge_by(report) -> None:
    assert sum(report[level]["safe"]["n"] for level in FLOORS) + report["none"]["safe"]["n"] >= 300
    assert report["emergency"]["safe"]["n"] >= 60
    assert report["contact_team_today"]["safe"]["n"] >= 80


@pytest.mark.parametrize("level", list(FLOORS))
def test_unseen_descriptions_are_answered_at_their_level_or_more_cautiously(report, level) -> None:
    missed = [r["text"] for r in report["rows"] if r["level"] == level
              and r["got"] != level and report[level]["safe"]["rate"] < FLOORS[level]]  # fmt: skip
    assert report[level]["safe"]["rate"] >= FLOORS[level], missed


def test_plain_messages_are_rarely_raised_to_a_same_day_alarm(report) -> None:
    assert report["none"]["raised_to_same_day"]["rate"] <= CEILING_NONE_RAISED
