"""5-fold cross-validation of the NLU pipeline, grouped by source page.

The patient corpus's training split (``data/nlu_provenance.csv``) is divided into five folds by
page, so no page's wording is on both sides of a fold. Each fold trains on the other four plus
the older hand-written examples (which have no page and are never evaluated here) and is
evaluated on its own messages (follow-ups that need context left out): intent accuracy,
macro-F1 and wrong-answer rate at the configured threshold, pooled over the folds, and how
often the model's best guess is right where it falls back (``BEST_GUESS_CONFIDENCE``).

Usage (Rasa environment, from the project root):
  python -m clinic_nlu.evaluation.crossval --out results/crossval
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import yaml

from clinic_common.corpus import page_fold, read_provenance
from clinic_nlu.evaluation.compare import nlu_only, train_nlu
from clinic_nlu.evaluation.intents import (
    best_guess_table,
    best_guesses,
    configured_thresholds,
    metrics,
    personal_leaning_table,
    personal_leanings,
    predict,
    read_labelled,
    topics_of_intents,
)


def folds(count: int) -> list[list[tuple[str, str]]]:
    """The corpus's training split, by page, in ``count`` folds of (text, intent)."""
    parts: list[list[tuple[str, str]]] = [[] for _ in range(count)]
    for row in read_provenance():
        if row["split"] == "train" and not row["context"]:
            parts[page_fold(row["source"], count)].append((row["text"], row["intent"]))
    return parts


def write_nlu(messages: list[tuple[str, str]], path: Path) -> None:
    by_intent: dict[str, list[str]] = {}
    for text, intent in messages:
        by_intent.setdefault(intent, []).append(text)
    blocks = [
        {"intent": intent, "examples": "".join(f"- {text}\n" for text in texts)}
        for intent, texts in sorted(by_intent.items())
    ]
    path.write_text(yaml.safe_dump({"version": "3.1", "nlu": blocks}, sort_keys=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("config.yml"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("build/crossval"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    messages = [m for path in sorted(Path("data/nlu").rglob("*.yml")) for m in read_labelled(path)]
    config = nlu_only(yaml.safe_load(args.config.read_text()))
    threshold, ambiguity = configured_thresholds(args.config)
    topics = topics_of_intents(Path("data/answers"))
    args.work.mkdir(parents=True, exist_ok=True)
    predictions, per_fold = [], []
    for number, test in enumerate(folds(args.folds), start=1):
        held = set(test)
        train = [m for m in messages if m not in held]
        nlu = args.work / f"fold{number}.yml"
        write_nlu(train, nlu)
        model, seconds = train_nlu(config, f"fold{number}", args.work, nlu=nlu)
        logging.disable(logging.WARNING)
        fold_predictions = predict(model, test)
        logging.disable(logging.NOTSET)
        predictions += fold_predictions
        per_fold.append({"fold": number, "training_seconds": seconds,
                         **metrics(fold_predictions, topics, threshold, ambiguity)})  # fmt: skip
    result = {
        "folds": per_fold,
        "pooled": metrics(predictions, topics, threshold, ambiguity),
        "best_guesses": best_guesses(predictions, topics, threshold, ambiguity),
        "personal_leanings": personal_leanings(predictions, threshold, ambiguity),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1))
    pooled = result["pooled"]
    text = (
        f"{args.folds}-fold cross-validation grouped by page on {pooled['messages']} messages "
        f"(threshold {threshold:.2f}): accuracy {pooled['intent_accuracy']:.3f}, "
        f"macro-F1 {pooled['macro_f1']:.3f}, wrong-answer rate {pooled['wrong_answer_rate']:.3f}, "
        f"fallback {pooled['fallback_rate']:.3f}"
    )
    text += "\n" + best_guess_table(result["best_guesses"])
    text += "\n" + personal_leaning_table(result["personal_leanings"])
    args.out.with_suffix(".txt").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
