"""Fall back when a message is made of words the assistant has never seen.

DIET's softmax confidence says which known intent a message is closest to, not whether it
belongs to any of them: "banana bread recipe" came out as an implant question with 0.99.
This component learns the vocabulary of the training examples and, when too few of a message's
content words are known (allowing for typos), turns the intent into ``nlu_fallback`` so the
assistant offers topics instead of guessing. Messages of stop words only ("and that one?") are
left to the classifier: follow-up questions look like that.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.lang.en.stop_words import STOP_WORDS

FALLBACK_INTENT = "nlu_fallback"
# Added to the parse result when this component sent a message to the fallback.
OUTPUT_KEY = "unknown_words"
WORD = re.compile(r"[a-z]+")
VOCABULARY_FILE = "vocabulary.json"


def content_words(text: str) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS]


def trigrams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class Vocabulary:
    """Known words, with a trigram index to recognise misspellings of them."""

    def __init__(self, words: set[str], similarity: float) -> None:
        self.words = words
        self.similarity = similarity
        self._index: dict[str, set[str]] = defaultdict(set)
        for word in words:
            for gram in trigrams(word):
                self._index[gram].add(word)

    def knows(self, word: str) -> bool:
        if word in self.words:
            return True
        grams = trigrams(word)
        candidates = set().union(*(self._index.get(gram, set()) for gram in grams))
        return any(
            len(grams & trigrams(known)) / len(grams | trigrams(known)) >= self.similarity
            for known in candidates
        )

    def known_share(self, text: str) -> float | None:
        """Share of the content words that are known; None if there are no content words."""
        words = content_words(text)
        if not words:
            return None
        return sum(self.knows(word) for word in words) / len(words)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsClassifier(GraphComponent, IntentClassifier):
    """Predicts ``nlu_fallback`` for messages whose content words are mostly unknown."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Below this share of known content words the message is treated as unknown.
            "min_known_share": 0.34,
            # Trigram Jaccard similarity at which an unknown word counts as a known word's typo.
            "typo_similarity": 0.45,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: set[str] | None = None,
    ) -> None:
        self.component_config = config
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = Vocabulary(vocabulary or set(), config["typo_similarity"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        words = {
            word
            for example in training_data.intent_examples
            for word in content_words(example.get(TEXT) or "")
        }
        self.vocabulary = Vocabulary(words, self.component_config["typo_similarity"])
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(words)))
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsClassifier:
        with model_storage.read_from(resource) as directory:
            words = set(json.loads((directory / VOCABULARY_FILE).read_text()))
        return cls(config, model_storage, resource, words)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            share = self.vocabulary.known_share(text)
            # Button payloads ("/ask_flap") are intents already, not words to judge.
            if text.startswith("/") or share is None:
                continue
            if share < self.component_config["min_known_share"]:
                self._fall_back(message, share)
        return messages

    @staticmethod
    def _fall_back(message: Message, share: float) -> None:
        message.set(OUTPUT_KEY, {"known_share": round(share, 3)}, add_to_output=True)
        confidence = 1.0 - share
        message.data[INTENT] = {"name": FALLBACK_INTENT, "confidence": confidence}
        ranking = message.get(INTENT_RANKING_KEY) or []
        message.data[INTENT_RANKING_KEY] = [
            {"name": FALLBACK_INTENT, "confidence": confidence},
            *[r for r in ranking if r.get("name") != FALLBACK_INTENT],
        ]
