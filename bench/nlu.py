"""NLU quality on the held-out file, in one run: the project's pipeline and three baselines.

- project: the trained model the assistant serves (models/clinic.tar.gz);
- rasa_default: Rasa's default pipeline (the one `rasa init` generates), trained on our data;
- tfidf_logreg: TF-IDF (word 1-2 grams and character 2-5 grams) + logistic regression;
- minilm_knn: nearest neighbour on all-MiniLM-L6-v2 sentence embeddings.

Each is scored like the assistant: intent accuracy, macro-F1 and wrong-answer rate, as it comes
(every message answered) and with a fallback threshold on its own confidence calibrated on the
same file to at most 2% wrong answers (as the project's is).

Runs in the Rasa environment: python -m bench.nlu OUT.json
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

from clinic_nlu.evaluation.compare import train_nlu
from clinic_nlu.evaluation.intents import (
    Prediction,
    calibrate,
    configured_thresholds,
    metrics,
    predict,
    read_labelled,
    sweep,
    topics_of_intents,
)

HELDOUT = Path("tests/nlu/real_test.yml")
RASA_DEFAULT_PIPELINE = {
    "recipe": "default.v1",
    "language": "en",
    "assistant_id": "rasa-default-baseline",
    "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "RegexFeaturizer"},
        {"name": "LexicalSyntacticFeaturizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
        {"name": "DIETClassifier", "epochs": 100},
        {"name": "EntitySynonymMapper"},
        {"name": "ResponseSelector", "epochs": 100},
        {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
    ],
}


def training_messages() -> list[tuple[str, str]]:
    return [m for path in sorted(Path("data/nlu").glob("*.yml")) for m in read_labelled(path)]


def scored(name: str, predictions: list[Prediction], topics: dict, thresholds, seconds: float):
    threshold, ambiguity = thresholds
    points = sweep(predictions, topics, ambiguity)
    return {
        "name": name,
        "training_seconds": round(seconds, 1),
        "as_configured": metrics(predictions, topics, threshold, ambiguity),
        "answer_everything": metrics(predictions, topics, 0.0, 0.0),
        "calibrated": calibrate(points, 0.02),
        "predictions": [[p.expected, p.decided(threshold, ambiguity)] for p in predictions],
    }


def from_probabilities(texts, expected, labels, probabilities) -> list[Prediction]:
    predictions = []
    for text, truth, row in zip(texts, expected, probabilities, strict=True):
        order = np.argsort(row)[::-1]
        runner_up = float(row[order[1]]) if len(order) > 1 else 0.0
        predictions.append(
            Prediction(text, truth, labels[order[0]], float(row[order[0]]), False, runner_up)
        )
    return predictions


def tfidf_logreg(train, test) -> tuple[list[Prediction], float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline

    started = time.monotonic()
    model = make_pipeline(
        FeatureUnion([
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        ]),
        LogisticRegression(max_iter=2000, C=10),
    )  # fmt: skip
    model.fit([t for t, _ in train], [i for _, i in train])
    seconds = time.monotonic() - started
    texts = [t for t, _ in test]
    probabilities = model.predict_proba(texts)
    labels = list(model.classes_)
    return from_probabilities(texts, [i for _, i in test], labels, probabilities), seconds


def minilm_knn(train, test, k: int = 5) -> tuple[list[Prediction], float]:
    from clinic_nlu.components.minilm import SentenceEncoder

    started = time.monotonic()
    encoder = SentenceEncoder()
    train_vectors = encoder.encode([t for t, _ in train])
    seconds = time.monotonic() - started
    train_labels = [i for _, i in train]
    labels = sorted(set(train_labels))
    test_vectors = encoder.encode([t for t, _ in test])
    similarities = test_vectors @ train_vectors.T
    probabilities = []
    for row in similarities:
        nearest = np.argsort(row)[::-1][:k]
        votes = dict.fromkeys(labels, 0.0)
        for index in nearest:
            votes[train_labels[index]] += max(float(row[index]), 0.0)
        total = sum(votes.values()) or 1.0
        # Confidence: the winner's share of the vote, scaled by how close the nearest one is.
        best = float(row[nearest[0]])
        probabilities.append([votes[label] / total * best for label in labels])
    texts = [t for t, _ in test]
    return from_probabilities(texts, [i for _, i in test], labels, np.array(probabilities)), seconds


def rasa_default_model(work: Path) -> tuple[Path, float]:
    """Rasa's default pipeline trained on our data; kept while the data stay the same, since it
    takes minutes (its recorded training time is reported)."""
    digest = hashlib.sha256(json.dumps(RASA_DEFAULT_PIPELINE).encode())
    for path in sorted(Path("data/nlu").glob("*.yml")):
        digest.update(path.read_bytes())
    stamp = work / "rasa-default.trained.json"
    model = work / "nlu-rasa-default.tar.gz"
    if model.exists() and stamp.exists():
        record = json.loads(stamp.read_text())
        if record["inputs"] == digest.hexdigest():
            return model, record["seconds"]
    model, seconds = train_nlu(RASA_DEFAULT_PIPELINE, "rasa-default", work)
    stamp.write_text(json.dumps({"inputs": digest.hexdigest(), "seconds": seconds}))
    return model, seconds


def main() -> None:
    out = Path(sys.argv[1])
    work = Path("build/bench/nlu")
    work.mkdir(parents=True, exist_ok=True)
    topics = topics_of_intents(Path("data/answers"))
    train, test = training_messages(), read_labelled(HELDOUT)
    project_thresholds = configured_thresholds(Path("config.yml"))
    logging.disable(logging.WARNING)
    results = [scored("project", predict(Path("models/clinic.tar.gz"), test), topics,
                      project_thresholds, 0.0)]  # fmt: skip
    logging.disable(logging.NOTSET)

    model, seconds = rasa_default_model(work)
    logging.disable(logging.WARNING)
    results.append(scored("rasa_default", predict(model, test), topics, (0.3, 0.1), seconds))
    logging.disable(logging.NOTSET)

    predictions, seconds = tfidf_logreg(train, test)
    results.append(scored("tfidf_logreg", predictions, topics, (0.0, 0.0), seconds))
    predictions, seconds = minilm_knn(train, test)
    results.append(scored("minilm_knn", predictions, topics, (0.0, 0.0), seconds))
    out.write_text(json.dumps({"heldout": str(HELDOUT), "messages": len(test),
                               "results": results}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
