"""The training data and the held-out test file stay apart, and both fit the domain."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml


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
def training(project_root: Path) -> list[tuple[str, str]]:
    return [e for path in sorted((project_root / "data/nlu").glob("*.yml")) for e in examples(path)]


@pytest.fixture(scope="module")
def heldout(project_root: Path) -> list[tuple[str, str]]:
    return examples(project_root / "tests/nlu/heldout.yml")


@pytest.fixture(scope="module")
def sealed(project_root: Path) -> list[tuple[str, str]]:
    return examples(project_root / "tests/nlu_sealed/heldout_sealed.yml")


@pytest.fixture(scope="module")
def domain_intents(project_root: Path) -> set[str]:
    return set(yaml.safe_load((project_root / "domain.yml").read_text())["intents"])


def test_no_held_out_message_is_in_the_training_data(training, heldout, sealed) -> None:
    trained = {normalised(text) for _, text in training}
    leaked = [text for _, text in heldout + sealed if normalised(text) in trained]
    assert leaked == []


def test_the_held_out_file_has_at_least_200_messages_for_every_intent(
    heldout, domain_intents
) -> None:
    assert len(heldout) >= 200
    assert {intent for intent, _ in heldout} == domain_intents


def test_the_sealed_file_covers_every_intent(sealed, domain_intents) -> None:
    assert len(sealed) >= 200
    assert {intent for intent, _ in sealed} == domain_intents


def test_every_intent_has_training_examples_and_no_example_has_two_intents(
    training, domain_intents
) -> None:
    counts = Counter(intent for intent, _ in training)
    assert set(counts) == domain_intents
    assert min(counts.values()) >= 25
    intents_of: dict[str, set[str]] = {}
    for intent, text in training:
        intents_of.setdefault(normalised(text), set()).add(intent)
    assert [text for text, intents in intents_of.items() if len(intents) > 1] == []


def test_every_intent_has_an_answer_or_its_own_action(project_root, catalogue, domain_intents):
    answered = {intent for answer in catalogue.answers for intent in answer.intents}
    rules = yaml.safe_load((project_root / "data/rules/answers.yml").read_text())["rules"]
    routed = {step["intent"] for rule in rules for step in rule["steps"] if "intent" in step}
    assert routed <= answered
    assert domain_intents - {"report_symptom", "ask_personal_decision", "request_nurse"} <= routed
