"""The pipeline comparison (``make compare``): the ResponseSelector variant's data and reading.

Training and scoring each pipeline takes minutes and runs in ``make compare``; these check what
the ResponseSelector variant is built from and how its answer is read back.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from clinic_nlu.evaluation.compare import RETRIEVAL_INTENT, as_retrieval_intents
from clinic_nlu.evaluation.intents import _top_intents


def write_nlu(path: Path, blocks: dict[str, list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nlu = [{"intent": name, "examples": "".join(f"- {t}\n" for t in texts)}
           for name, texts in blocks.items()]  # fmt: skip
    path.write_text(yaml.safe_dump({"version": "3.1", "nlu": nlu}, sort_keys=False))


def test_information_questions_become_answers_of_one_retrieval_intent(tmp_path):
    write_nlu(tmp_path / "nlu" / "flap.yml", {"ask_flap": ["what is a LICAP flap"]})
    write_nlu(tmp_path / "nlu" / "patients" / "chat.yml",
              {"greet": ["hiya"], "report_symptom": ["my wound is hot"],
               "ask_personal_decision": ["which one would you pick for me"]})  # fmt: skip

    out = as_retrieval_intents(tmp_path / "nlu", tmp_path / "out")

    intents = {
        block["intent"]
        for path in out.glob("*.yml")
        for block in yaml.safe_load(path.read_text()).get("nlu") or []
    }
    assert intents == {f"{RETRIEVAL_INTENT}/ask_flap", "greet", "report_symptom",
                       "ask_personal_decision"}  # fmt: skip
    responses = yaml.safe_load((out / "responses.yml").read_text())["responses"]
    assert list(responses) == [f"utter_{RETRIEVAL_INTENT}/ask_flap"]


def test_a_second_run_leaves_no_file_of_the_first(tmp_path):
    write_nlu(tmp_path / "a" / "old.yml", {"ask_flap": ["flap?"]})
    as_retrieval_intents(tmp_path / "a", tmp_path / "out")
    write_nlu(tmp_path / "b" / "new.yml", {"ask_implant": ["implant?"]})

    out = as_retrieval_intents(tmp_path / "b", tmp_path / "out")

    assert sorted(p.name for p in out.glob("*.yml")) == ["000-new.yml", "responses.yml"]


def test_the_selected_answer_is_the_prediction_with_the_chance_of_both_steps():
    parsed = {
        "intent": {"name": "nlu_fallback", "confidence": 0.64},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.64},
            {"name": RETRIEVAL_INTENT, "confidence": 0.8},
            {"name": "greet", "confidence": 0.1},
        ],
        "response_selector": {
            "all_retrieval_intents": [RETRIEVAL_INTENT],
            RETRIEVAL_INTENT: {"ranking": [
                {"intent_response_key": f"{RETRIEVAL_INTENT}/ask_flap", "confidence": 0.5},
                {"intent_response_key": f"{RETRIEVAL_INTENT}/ask_implant", "confidence": 0.3},
            ]},
        },
    }  # fmt: skip

    intent, confidence, runner_up = _top_intents(parsed)

    assert intent == "ask_flap"
    assert abs(confidence - 0.4) < 1e-9
    assert abs(runner_up - 0.24) < 1e-9


def test_without_a_response_selector_the_intent_ranking_is_read_as_it_is():
    parsed = {
        "intent": {"name": "ask_flap", "confidence": 0.9},
        "intent_ranking": [{"name": "ask_flap", "confidence": 0.9},
                           {"name": "ask_implant", "confidence": 0.05}],
        "response_selector": {"all_retrieval_intents": []},
    }  # fmt: skip

    assert _top_intents(parsed) == ("ask_flap", 0.9, 0.05)
