"""The patient corpus: split by page, nothing shared between splits or with the yardstick.

The training data, the calibration split and the frozen test split come from
``data/nlu_provenance.csv`` (built by ``tools/build_corpus.py``). These tests check what makes
their figures honest: every gathered example names its page, no page is in two splits, no
message is a near-copy of one in another split or of the real-world yardstick, and the
generated files are exactly what the provenance file says.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from clinic_assistant.evaluation import read_jsonl
from clinic_assistant.similarity import NEAR_DUPLICATE, similarity
from clinic_common.corpus import FROZEN_SETS, TRIAGE_EXAMPLES, page_key

YARDSTICK = Path(__file__).resolve().parents[3] / "shared" / "eval"


def normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def examples(path: Path) -> list[tuple[str, str]]:
    found = []
    for block in yaml.safe_load(path.read_text())["nlu"]:
        for line in block["examples"].splitlines():
            if line.strip():
                found.append((block["intent"], line.strip()[2:]))
    return found


@pytest.fixture(scope="module")
def provenance(project_root: Path) -> list[dict[str, str]]:
    with open(project_root / "data" / "nlu_provenance.csv", newline="") as rows:
        return list(csv.DictReader(rows))


@pytest.fixture(scope="module")
def training(project_root: Path) -> list[tuple[str, str]]:
    return [
        e for path in sorted((project_root / "data/nlu").rglob("*.yml")) for e in examples(path)
    ]


@pytest.fixture(scope="module")
def calibration(project_root: Path) -> list[tuple[str, str]]:
    return examples(project_root / "tests/nlu/real_calibration.yml")


@pytest.fixture(scope="module")
def frozen_test(project_root: Path) -> list[tuple[str, str]]:
    return examples(project_root / "tests/nlu/real_test.yml")


@pytest.fixture(scope="module")
def domain_intents(project_root: Path) -> set[str]:
    return set(yaml.safe_load((project_root / "domain.yml").read_text())["intents"])


def read_yardstick() -> tuple[list[dict], list[dict]]:
    if not YARDSTICK.exists():
        pytest.fail(f"the yardstick is missing at {YARDSTICK}; the check cannot run")
    single = json.loads((YARDSTICK / "realworld-dev.json").read_text())
    multi = json.loads((YARDSTICK / "realworld-dev-multiturn.json").read_text())
    return single, multi


def yardstick_texts() -> list[str]:
    single, multi = read_yardstick()
    return [i["text"] for i in single] + [t["text"] for c in multi for t in c["turns"]]


def yardstick_pages() -> set[str]:
    single, multi = read_yardstick()
    return {page_key(item["source"]) for item in [*single, *multi]}


def test_no_message_we_gathered_comes_from_a_page_the_yardstick_was_written_from(
    project_root, provenance
) -> None:
    ours = {page_key(row["source"]) for row in provenance}
    for path in (TRIAGE_EXAMPLES, *FROZEN_SETS):
        ours |= {page_key(row["source"]) for row in read_jsonl(project_root / path)}
    assert ours & yardstick_pages() == set()


def test_each_later_frozen_set_has_pages_and_messages_of_its_own(project_root, provenance) -> None:
    learned = [row for row in provenance if row["split"] == "train"]
    learned += read_jsonl(project_root / TRIAGE_EXAMPLES)
    learned_pages = {page_key(row["source"]) for row in learned}
    for path in FROZEN_SETS[1:]:
        frozen = read_jsonl(project_root / path)
        assert len(frozen) >= 150, path
        assert {page_key(row["source"]) for row in frozen} & learned_pages == set(), path
        closest = similarity([r["text"] for r in frozen], [r["text"] for r in learned]).max(axis=1)
        assert [r["text"] for r, s in zip(frozen, closest, strict=True)
                if s >= NEAR_DUPLICATE] == [], path  # fmt: skip


def test_every_gathered_example_names_the_page_it_came_from(provenance) -> None:
    assert len(provenance) >= 1500
    assert all(row["source"].startswith(("http://", "https://")) for row in provenance)
    assert len({page_key(row["source"]) for row in provenance}) >= 300


def test_no_page_gives_messages_to_two_splits(provenance) -> None:
    splits_of: dict[str, set[str]] = {}
    for row in provenance:
        splits_of.setdefault(page_key(row["source"]), set()).add(row["split"])
    assert [page for page, splits in splits_of.items() if len(splits) > 1] == []


def test_the_generated_files_are_the_provenance_splits(
    provenance, training, calibration, frozen_test
) -> None:
    by_split = {split: {(r["intent"], r["text"]) for r in provenance if r["split"] == split}
                for split in ("train", "calibration", "test")}  # fmt: skip
    assert by_split["train"] <= set(training)
    single = {split: {(r["intent"], r["text"]) for r in provenance
                      if r["split"] == split and not r["context"]}
              for split in ("calibration", "test")}  # fmt: skip
    assert set(calibration) == single["calibration"]
    assert set(frozen_test) == single["test"]


def test_no_test_or_calibration_message_is_near_a_training_message(
    training, calibration, frozen_test
) -> None:
    trained = [text for _, text in training]
    for held in (calibration, frozen_test):
        texts = [text for _, text in held]
        closest = similarity(texts, trained).max(axis=1)
        near = [t for t, s in zip(texts, closest, strict=True) if s >= NEAR_DUPLICATE]
        assert near == []


def test_nothing_learned_from_is_near_a_yardstick_message(project_root, training) -> None:
    yardstick = yardstick_texts()
    learned = [text for _, text in training]
    learned += [
        json.loads(line)["text"]
        for line in (project_root / "data/triage/examples.jsonl").read_text().splitlines()
    ]
    closest = similarity(learned, yardstick).max(axis=1)
    assert [t for t, s in zip(learned, closest, strict=True) if s >= NEAR_DUPLICATE] == []


def test_every_intent_has_training_examples_and_no_example_has_two_intents(
    training, domain_intents
) -> None:
    counts = Counter(intent for intent, _ in training)
    assert set(counts) == domain_intents
    assert min(counts.values()) >= 20
    intents_of: dict[str, set[str]] = {}
    for intent, text in training:
        intents_of.setdefault(normalised(text), set()).add(intent)
    assert [text for text, intents in intents_of.items() if len(intents) > 1] == []


def test_the_frozen_split_covers_the_topics_patients_ask_about(frozen_test) -> None:
    assert len(frozen_test) >= 250
    assert len({intent for intent, _ in frozen_test}) >= 25


def _rules(project_root) -> list[dict]:
    """Every rule, wherever it is: each topic's file under data/nlu/ holds its own."""
    files = [
        *(project_root / "data/nlu").glob("*.yml"),
        *(project_root / "data/rules").glob("*.yml"),
    ]
    return [rule for f in files for rule in yaml.safe_load(f.read_text()).get("rules") or []]


def test_every_intent_has_an_answer_or_its_own_action(project_root, catalogue, domain_intents):
    answered = {intent for answer in catalogue.answers for intent in answer.intents}
    actions = {
        rule["steps"][0]["intent"]: rule["steps"][1]["action"] for rule in _rules(project_root)
    }
    answered_by_curated = {i for i, action in actions.items() if action == "action_answer_question"}
    assert answered_by_curated <= answered
    # Every intent the model can predict leads to an action (nlu_fallback is Rasa's own).
    assert domain_intents <= set(actions)
    assert actions["report_symptom"] == "action_assess_symptom"
    assert actions["ask_personal_decision"] == "action_explain_surgeon_decides"
    assert actions["request_nurse"] == "action_request_nurse"
