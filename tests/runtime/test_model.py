import shutil
from pathlib import Path

import pytest

from clinic_assistant.runtime.model import TRAINING_INPUTS, training_fingerprint


@pytest.fixture
def project_copy(tmp_path: Path, project_root: Path) -> Path:
    for relative in (*TRAINING_INPUTS, "data/answers"):
        source = project_root / relative
        target = tmp_path / relative
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    return tmp_path


def test_the_model_is_retrained_when_training_examples_change(project_copy: Path) -> None:
    before = training_fingerprint(project_copy)
    with open(project_copy / "data" / "nlu" / "timing.yml", "a") as data:
        data.write("      - can it wait until next year\n")
    assert training_fingerprint(project_copy) != before


def test_the_model_is_retrained_when_entity_patterns_change(project_copy: Path) -> None:
    before = training_fingerprint(project_copy)
    with open(project_copy / "data" / "entities" / "patterns.jsonl", "a") as patterns:
        patterns.write('{"label": "procedure", "pattern": "diep", "id": "diep_flap"}\n')
    assert training_fingerprint(project_copy) != before


def test_editing_a_curated_answer_needs_no_retraining(project_copy: Path) -> None:
    before = training_fingerprint(project_copy)
    answers = project_copy / "data" / "answers" / "options.yml"
    answers.write_text(answers.read_text().replace("A flap moves", "A flap takes"))
    assert training_fingerprint(project_copy) == before


def test_no_rasa_process_the_product_starts_sends_telemetry(
    project_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clinic_assistant.runtime.model import RasaEnvironment

    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "true")
    environment = RasaEnvironment(project_root)
    assert environment.env()["RASA_TELEMETRY_ENABLED"] == "false"
    assert environment.server_env()["RASA_TELEMETRY_ENABLED"] == "false"
