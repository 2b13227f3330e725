"""Compare NLU pipelines on the held-out test file in one run.

Trains an NLU model for each variant of ``config.yml`` on the same training data and evaluates
all of them on the same held-out file (see ``clinic_nlu.evaluation``):

- ``sparse``: word and character n-gram CountVectors + DIET (no pretrained features);
- ``dense``: the same plus MiniLM sentence-encoder features (``clinic_nlu.minilm``).

Usage (Rasa environment, from the project root):
  python -m clinic_nlu.compare tests/nlu/heldout.yml --out results/compare
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from clinic_nlu.evaluation import configured_thresholds, evaluate

MINILM = "clinic_nlu.minilm.MiniLMFeaturizer"


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


VARIANTS: dict[str, Callable[[dict], dict]] = {"sparse": _without_minilm, "dense": _with_minilm}


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
        "| pipeline | training (s) | threshold | accuracy | macro-F1 | wrong-answer | fallback |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        for label in ("at_configured_threshold", "calibrated"):
            point = result[label]
            lines.append(
                f"| {name} ({label.split('_')[0]}) | {result['training_seconds']:.0f} | "
                f"{point['threshold']:.2f} | {point['intent_accuracy']:.3f} | "
                f"{point['macro_f1']:.3f} | {point['wrong_answer_rate']:.3f} | "
                f"{point['fallback_rate']:.3f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--config", type=Path, default=Path("config.yml"))
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--work", type=Path, default=Path("build/compare"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    base = yaml.safe_load(args.config.read_text())
    thresholds = configured_thresholds(args.config)
    args.work.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in args.variants:
        model, seconds = train_nlu(VARIANTS[name](base), name, args.work)
        logging.disable(logging.WARNING)
        result = evaluate(model, args.data, Path("data/answers"), thresholds, 0.02)
        logging.disable(logging.NOTSET)
        result["training_seconds"] = seconds
        results[name] = result
    args.out.parent.mkdir(parents=True, exist_ok=True)
    summary = {n: {k: v for k, v in r.items() if k not in ("sweep", "predictions")}
               for n, r in results.items()}  # fmt: skip
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1))
    table = markdown(summary)
    args.out.with_suffix(".md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
