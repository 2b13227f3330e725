"""Compare NLU pipelines in one run: training time, our frozen test split, the yardstick.

Trains an NLU model for each variant on the same training data, calibrates each one's fallback
threshold on the calibration split and reports it on the frozen test split (pages of their
own; see ``tools/build_corpus.py``) and, as topics, on the real-world yardstick
(``../shared/eval/realworld-dev.json``: information questions only, since symptoms and personal
questions are decided by triage in the action server, not by the intent):

- ``sentence_lr``: today's pipeline (MiniLM + n-grams, logistic regression on the sentence
  features, ``clinic_nlu/components/intent_classifier.py``);
- ``diet``: the pipeline before it (the same features, DIET with one transformer layer, 60
  epochs);
- ``diet_early``: the same DIET stopped at 20 epochs (training accuracy is ~1.0 by epoch 10);
- ``logreg``: Rasa's LogisticRegressionClassifier on the same features instead of DIET;
- ``sparse``: n-grams + DIET, no MiniLM;
- ``response_selector``: Rasa's retrieval intents: every information question becomes
  ``faq/<intent>``, today's classifier decides "faq" or one of the other intents and a
  ResponseSelector (on the same features) which answer;
- ``*_patients``: trained on the gathered patient corpus only (``data/nlu/patients``).

Usage (Rasa environment, from the project root):
  python -m clinic_nlu.evaluation.compare --out results/compare [--variants diet logreg ...]
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from clinic_common.topics import is_information_question
from clinic_nlu.evaluation.intents import (
    calibrate,
    configured_thresholds,
    metrics,
    predict,
    read_labelled,
    sweep,
    topics_of_intents,
    yardstick_topics,
)

MINILM = "clinic_nlu.components.minilm.MiniLMFeaturizer"
TRIAGE = "clinic_nlu.components.triage_classifier.TriageClassifier"
SENTENCE_LR = "clinic_nlu.components.intent_classifier.SentenceLogisticClassifier"


def _without_minilm(config: dict) -> dict:
    variant = copy.deepcopy(config)
    variant["pipeline"] = [c for c in variant["pipeline"] if c["name"] != MINILM]
    return variant


def _with_minilm(config: dict) -> dict:
    variant = _without_minilm(config)
    names = [c["name"] for c in variant["pipeline"]]
    # Right after the tokenizer, whose tokens the featurizer aligns its embeddings with.
    variant["pipeline"].insert(names.index("SpacyTokenizer") + 1, {"name": MINILM})
    return variant


def nlu_only(config: dict) -> dict:
    """The intent pipeline alone: the triage classifier does not change intents."""
    variant = copy.deepcopy(config)
    variant["pipeline"] = [c for c in variant["pipeline"] if c["name"] != TRIAGE]
    return variant


def _diet(epochs: int) -> Callable[[dict], dict]:
    def variant(config: dict) -> dict:
        config = nlu_only(_with_minilm(_with_diet(config)))
        for component in config["pipeline"]:
            if component["name"] == "DIETClassifier":
                component["epochs"] = epochs
        return config

    return variant


def _logreg(config: dict) -> dict:
    config = nlu_only(_with_minilm(config))
    config["pipeline"] = [
        {"name": "LogisticRegressionClassifier", "max_iter": 1000, "random_state": 2026}
        if c["name"] in ("DIETClassifier", SENTENCE_LR) else c
        for c in config["pipeline"]
    ]  # fmt: skip
    return config


def _sentence_lr(config: dict) -> dict:
    config = nlu_only(_with_minilm(config))
    config["pipeline"] = [
        {"name": SENTENCE_LR, "C": 4.0, "sparse_weight": 0.6, "random_seed": 2026}
        if c["name"] in ("DIETClassifier", SENTENCE_LR) else c
        for c in config["pipeline"]
    ]  # fmt: skip
    return config


def _with_diet(config: dict) -> dict:
    """The pipeline with DIET (one transformer layer) as its intent classifier."""
    config = copy.deepcopy(config)
    config["pipeline"] = [
        {"name": "DIETClassifier", "epochs": 60, "number_of_transformer_layers": 1,
         "entity_recognition": False, "constrain_similarities": True, "random_seed": 2026}
        if c["name"] == SENTENCE_LR else c
        for c in config["pipeline"]
    ]  # fmt: skip
    return config


RETRIEVAL_INTENT = "faq"


def _response_selector(config: dict) -> dict:
    config = nlu_only(_with_minilm(config))
    names = [c["name"] for c in config["pipeline"]]
    # After the intent classifier, before FallbackClassifier (which only reads intents).
    config["pipeline"].insert(names.index("FallbackClassifier"), {
        "name": "ResponseSelector", "retrieval_intent": RETRIEVAL_INTENT, "epochs": 40,
        "constrain_similarities": True, "random_seed": 2026,
    })  # fmt: skip
    return config


def as_retrieval_intents(source: Path, target: Path) -> Path:
    """A copy of the NLU data with every information question as ``faq/<intent>``.

    Each answer key gets a response (the intent's name: the comparison reads which answer was
    selected, not its text), since Rasa expects one for every retrieval intent.
    """
    shutil.rmtree(target, ignore_errors=True)  # no file of an earlier run left behind
    target.mkdir(parents=True)
    keys: set[str] = set()
    for i, path in enumerate(sorted(source.rglob("*.yml"))):
        data = yaml.safe_load(path.read_text())
        for block in data.get("nlu") or []:
            if "intent" in block and is_information_question(block["intent"]):
                keys.add(block["intent"])
                block["intent"] = f"{RETRIEVAL_INTENT}/{block['intent']}"
        (target / f"{i:03}-{path.name}").write_text(yaml.safe_dump(data, sort_keys=False))
    responses = {f"utter_{RETRIEVAL_INTENT}/{key}": [{"text": key}] for key in sorted(keys)}
    (target / "responses.yml").write_text(
        yaml.safe_dump({"version": "3.1", "responses": responses}, sort_keys=False)
    )
    return target


VARIANTS: dict[str, Callable[[dict], dict]] = {
    "sentence_lr": _sentence_lr,
    "diet": _diet(60),
    "diet_early": _diet(20),
    "logreg": _logreg,
    "sparse": lambda config: _without_minilm(_diet(60)(config)),
    "response_selector": _response_selector,
}
# Variants trained on a transformed copy of the NLU data.
DATA_TRANSFORMS: dict[str, Callable[[Path, Path], Path]] = {
    "response_selector": as_retrieval_intents,
}
PATIENTS_ONLY = Path("data/nlu/patients")


def train_nlu(
    config: dict, name: str, work: Path, nlu: Path = Path("data/nlu")
) -> tuple[Path, float]:
    config_path = work / f"config-{name}.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config_path),
         "--nlu", str(nlu), "--out", str(work), "--fixed-model-name", f"nlu-{name}"],
        check=True,
    )  # fmt: skip
    return work / f"nlu-{name}.tar.gz", time.monotonic() - started


def markdown(results: dict) -> str:
    lines = [
        "| pipeline | training (s) | test accuracy, no fallback | threshold (calibrated) "
        "| test accuracy | test wrong topic | test fallback | yardstick right topic "
        "| yardstick wrong topic | yardstick fallback |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        test, yard = result["test"], result["yardstick"]
        lines.append(
            f"| {name} | {result['training_seconds']:.0f} | "
            f"{result['test_no_fallback']['intent_accuracy']:.3f} | {test['threshold']:.2f} | "
            f"{test['intent_accuracy']:.3f} | {test['wrong_answer_rate']:.3f} | "
            f"{test['fallback_rate']:.3f} | {yard['right']:.3f} | {yard['wrong']:.3f} | "
            f"{yard['fallback']:.3f} |"
        )
    return "\n".join(lines)


def run_variant(name: str, base: dict, work: Path, ambiguity: float, args) -> dict:
    base_name = name.removesuffix("_patients")
    builder = VARIANTS[base_name]
    nlu = PATIENTS_ONLY if name.endswith("_patients") else Path("data/nlu")
    if base_name in DATA_TRANSFORMS:
        nlu = DATA_TRANSFORMS[base_name](nlu, work / f"nlu-{name}")
    model, seconds = train_nlu(builder(base), name, work, nlu)
    logging.disable(logging.WARNING)
    topics = topics_of_intents(Path("data/answers"))
    calibration = predict(model, read_labelled(args.calibration))
    chosen = calibrate(sweep(calibration, topics, ambiguity), args.target_wrong)
    threshold = chosen["threshold"]
    test_predictions = predict(model, read_labelled(args.test))
    test = metrics(test_predictions, topics, threshold, ambiguity)
    test_no_fallback = metrics(test_predictions, topics, 0.0, 0.0)
    yardstick = yardstick_topics(model, args.yardstick, topics, threshold, ambiguity)
    logging.disable(logging.NOTSET)
    return {"training_seconds": seconds, "calibration": chosen, "test": test,
            "test_no_fallback": test_no_fallback, "yardstick": yardstick}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibration", type=Path, default=Path("tests/nlu/real_calibration.yml"))
    parser.add_argument("--test", type=Path, default=Path("tests/nlu/real_test.yml"))
    parser.add_argument("--yardstick", type=Path, default=Path("../shared/eval/realworld-dev.json"))
    parser.add_argument("--config", type=Path, default=Path("config.yml"))
    parser.add_argument("--target-wrong", type=float, default=0.03)
    all_variants = [*VARIANTS, *(f"{v}_patients" for v in VARIANTS)]
    parser.add_argument("--variants", nargs="+",
                        default=["sentence_lr", "diet", "diet_early", "logreg",
                                 "response_selector"],
                        choices=all_variants)  # fmt: skip
    parser.add_argument("--work", type=Path, default=Path("build/compare"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    base = yaml.safe_load(args.config.read_text())
    _, ambiguity = configured_thresholds(args.config)
    args.work.mkdir(parents=True, exist_ok=True)
    results = {name: run_variant(name, base, args.work, ambiguity, args) for name in args.variants}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1))
    table = markdown(results)
    args.out.with_suffix(".md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
