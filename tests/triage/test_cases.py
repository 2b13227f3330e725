"""The triage test set (tests/triage/cases.yml): per-level recall and precision, and targets.

Targets (issue 4): emergency recall 100%; contact_team_today cases answered at that level or
higher in at least 98%; plain information questions flagged contact_team_today or higher in at
most 3% (here: the triage set's information cases and every information question of the NLU
training and held-out files).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from clinic_assistant.triage import TriageEngine
from clinic_common.contract import TRIAGE_LEVELS

INFORMATION_INTENTS_EXCLUDED = {"report_symptom", "ask_personal_decision", "request_nurse"}


def rank(level: str) -> int:
    return TRIAGE_LEVELS.index(level)


@pytest.fixture(scope="module")
def results(project_root: Path, triage_engine: TriageEngine) -> list[tuple[dict, str]]:
    cases = yaml.safe_load((project_root / "tests/triage/cases.yml").read_text())["cases"]
    return [(case, triage_engine.assess(case["text"]).level) for case in cases]


def test_the_triage_set_covers_every_level_and_tricky_kind(results) -> None:
    assert len(results) >= 150
    levels = Counter(case["level"] for case, _ in results)
    assert set(levels) == set(TRIAGE_LEVELS)
    kinds = {kind for case, _ in results for kind in case["kinds"]}
    assert {
        "negated",
        "resolved",
        "treated",
        "expected_finding",
        "misspelling",
        "hidden_in_question",
        "personal_decision",
        "nurse_request",
    } <= kinds


def test_per_level_recall_and_precision(results, capsys) -> None:
    lines = ["level                 cases  recall  precision  safe (same or higher)"]
    for level in TRIAGE_LEVELS:
        expected = [(c, got) for c, got in results if c["level"] == level]
        predicted = [(c, got) for c, got in results if got == level]
        hits = sum(1 for c, got in expected if got == level)
        safe = sum(1 for c, got in expected if rank(got) >= rank(level))
        precision = hits / len(predicted) if predicted else 1.0
        lines.append(
            f"{level:20} {len(expected):6} {hits / len(expected):7.1%} {precision:10.1%}"
            f" {safe / len(expected):8.1%}"
        )
    overall = sum(1 for c, got in results if got == c["level"]) / len(results)
    lines.append(f"exact level on {len(results)} cases: {overall:.1%}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))


def test_no_emergency_is_answered_below_emergency(results) -> None:
    missed = [c["text"] for c, got in results if c["level"] == "emergency" and got != "emergency"]
    assert missed == []


def test_same_day_problems_are_answered_at_that_level_or_higher_in_98_percent(results) -> None:
    cases = [(c, got) for c, got in results if c["level"] == "contact_team_today"]
    safe = [c for c, got in cases if rank(got) >= rank("contact_team_today")]
    assert len(safe) / len(cases) >= 0.98, [c["text"] for c, got in cases if c not in safe]


def _information_questions(project_root: Path) -> list[str]:
    texts = []
    for path in [
        *sorted((project_root / "data/nlu").rglob("*.yml")),
        project_root / "tests/nlu/real_calibration.yml",
        project_root / "tests/nlu/real_test.yml",
    ]:
        for block in yaml.safe_load(path.read_text())["nlu"]:
            if block["intent"] not in INFORMATION_INTENTS_EXCLUDED:
                texts += [
                    line.strip()[2:] for line in block["examples"].splitlines() if line.strip()
                ]
    return texts


def test_information_questions_raise_a_same_day_alarm_in_at_most_3_percent(
    results, project_root: Path, triage_engine: TriageEngine, capsys
) -> None:
    information = [c["text"] for c, _ in results if c["kinds"] == ["information"]]
    information += _information_questions(project_root)
    alarms = [
        t for t in information if rank(triage_engine.assess(t).level) >= rank("contact_team_today")
    ]
    with capsys.disabled():
        print(
            f"\ninformation questions: {len(information)}, same-day alarms or higher: "
            f"{len(alarms)} ({len(alarms) / len(information):.1%})"
        )
    assert len(alarms) / len(information) <= 0.03, alarms
