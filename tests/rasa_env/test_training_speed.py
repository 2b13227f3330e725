"""What makes training fast keeps the model it trains: the intent classifier's fit is
scikit-learn's, the MiniLM encoder's length-sorted batches give each text its own embedding,
Rasa's input and output fingerprints are skipped only when its cache is off, and checking the spaCy
pipeline does not import spaCy. (How fast it is: ``make bench-train``, not a unit test.)"""

from __future__ import annotations

import os
import subprocess
import sys
import unittest
from pathlib import Path
from unittest import mock

import numpy as np
from rasa.engine.caching import CACHE_SIZE_ENV
from rasa.engine.training.hooks import TrainingHook
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from scipy.sparse import csr_matrix, vstack
from sklearn.linear_model import LogisticRegression

from clinic_nlu import train
from clinic_nlu.components.intent_classifier import (
    FeatureBlocks,
    logistic_regression,
    sentence_features,
    training_blocks,
)
from clinic_nlu.components.minilm import SentenceEncoder, batches_by_length
from tests.rasa_env.support import message

CONFIG = {"C": 4.0, "max_iter": 3000, "random_seed": 2026}


def _problem(classes: int = 4, rows: int = 120) -> tuple[FeatureBlocks, list[str]]:
    """Rows whose dense and sparse parts both say something about the class."""
    generator = np.random.default_rng(7)
    labels = [f"intent_{n % classes}" for n in range(rows)]
    centres = generator.normal(size=(classes, 8))
    dense = np.array([centres[n % classes] for n in range(rows)])
    dense += generator.normal(scale=1.5, size=dense.shape)
    counts = generator.poisson(0.3, size=(rows, 30)).astype(float)
    counts[np.arange(rows), [n % classes for n in range(rows)]] += 1
    return FeatureBlocks(dense, csr_matrix(counts)), labels


class IntentFitTest(unittest.TestCase):
    def test_the_block_fit_is_scikit_learns_logistic_regression(self) -> None:
        rows, labels = _problem()
        ours = logistic_regression(rows, labels, CONFIG)
        theirs = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced",
                                    random_state=2026).fit(rows.stacked(), labels)  # fmt: skip
        self.assertEqual(list(ours.classes_), list(theirs.classes_))
        # The same iterates: the products are summed in another order, so they agree to
        # rounding, not to the bit.
        self.assertEqual(ours.n_iter_[0], theirs.n_iter_[0])
        np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-6)
        np.testing.assert_allclose(ours.predict_proba(rows.stacked()),
                                   theirs.predict_proba(rows.stacked()), atol=1e-7)  # fmt: skip

    def test_two_intents_are_fitted_by_scikit_learn_itself(self) -> None:
        rows, labels = _problem(classes=2)
        model = logistic_regression(rows, labels, CONFIG)
        self.assertEqual(model.coef_.shape, (1, rows.width))
        self.assertEqual(list(model.predict(rows.stacked()[:2])), ["intent_0", "intent_1"])

    def test_training_blocks_hold_the_rows_the_classifier_reads_at_parse_time(self) -> None:
        examples = [self._featurised(n) for n in range(5)]
        blocks = training_blocks(examples, sparse_weight=0.6)
        expected = vstack([sentence_features(example, 0.6) for example in examples])
        np.testing.assert_allclose(blocks.stacked().toarray(), expected.toarray(), rtol=1e-6)

    @staticmethod
    def _featurised(n: int):
        found = message(f"example {n}", "ask_flap", dense=[0.1 * n, 1.0, -0.5])
        counts = csr_matrix(np.array([[n, 1, 0, 2 * n]], dtype=np.float32))
        found.features.append(Features(counts, FEATURE_TYPE_SENTENCE, TEXT, "counts"))
        return found


class BatchesByLengthTest(unittest.TestCase):
    def test_every_item_once_in_batches_of_similar_length(self) -> None:
        lengths = [5, 1, 9, 3, 3, 7, 2]
        batches = list(batches_by_length(lengths, size=3))
        self.assertEqual(sorted(i for batch in batches for i in batch), list(range(7)))
        self.assertTrue(all(len(batch) <= 3 for batch in batches))
        longest_so_far = 0
        for batch in batches:
            self.assertGreaterEqual(min(lengths[i] for i in batch), longest_so_far)
            longest_so_far = max(lengths[i] for i in batch)


class SentenceEncoderTest(unittest.TestCase):
    def test_each_text_gets_its_own_embedding_in_the_order_given(self) -> None:
        encoder = SentenceEncoder()
        texts = ["how long will the swelling last after a tummy flap operation", "hi",
                 "is lipofilling painful", "thanks"]  # fmt: skip
        together = encoder.encode(texts, batch_size=2)
        alone = np.vstack([encoder.encode([text]) for text in texts])
        np.testing.assert_allclose(together, alone, atol=1e-5)
        np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


class FingerprintTest(unittest.TestCase):
    def setUp(self) -> None:
        train.install()
        self.cache = mock.Mock()
        self.hook = TrainingHook(self.cache, mock.Mock(), mock.Mock())
        self.hook._pruned_schema.nodes = {"node": mock.Mock(uses=LogisticRegression)}

    def _after_node(self) -> mock.Mock:
        with mock.patch("rasa.shared.utils.io.deep_container_fingerprint",
                        return_value="print") as fingerprint:  # fmt: skip
            self.hook.on_after_node("node", mock.Mock(), {}, object(), {"fingerprint_key": "k"})
        return fingerprint

    def _before_node(self) -> tuple[dict, mock.Mock]:
        self.hook._get_graph_component_class = mock.Mock(return_value=LogisticRegression)
        with mock.patch("rasa.engine.training.fingerprinting.calculate_fingerprint_key",
                        return_value="key") as fingerprint:  # fmt: skip
            found = self.hook.on_before_node("node", mock.Mock(), {}, {"data": object()})
        return found, fingerprint

    def test_with_the_cache_off_no_input_is_fingerprinted(self) -> None:
        with mock.patch.dict(os.environ, {CACHE_SIZE_ENV: "0"}):
            found, fingerprint = self._before_node()
        fingerprint.assert_not_called()
        self.assertEqual(found, {})

    def test_with_the_cache_on_rasas_hook_fingerprints_the_inputs(self) -> None:
        with mock.patch.dict(os.environ, {CACHE_SIZE_ENV: "100"}):
            found, fingerprint = self._before_node()
        fingerprint.assert_called_once()
        self.assertEqual(found, {"fingerprint_key": "key"})

    def test_with_the_cache_off_no_output_is_fingerprinted_or_cached(self) -> None:
        with mock.patch.dict(os.environ, {CACHE_SIZE_ENV: "0"}):
            fingerprint = self._after_node()
        fingerprint.assert_not_called()
        self.cache.cache_output.assert_not_called()

    def test_with_the_cache_on_rasas_hook_fingerprints_and_caches(self) -> None:
        with mock.patch.dict(os.environ, {CACHE_SIZE_ENV: "100"}):
            fingerprint = self._after_node()
        fingerprint.assert_called_once()
        self.cache.cache_output.assert_called_once()


class SpacyPipelineCheckTest(unittest.TestCase):
    def test_checking_that_the_pipeline_is_built_does_not_import_spacy(self) -> None:
        root = Path(__file__).resolve().parents[2]
        script = ("import sys, clinic_nlu.components.spacy_pipeline\n"
                  "print('spacy' in sys.modules)")  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(root)}
        result = subprocess.run([sys.executable, "-c", script], cwd=root, env=env,
                                capture_output=True, text=True, check=True)  # fmt: skip
        self.assertEqual(result.stdout.strip(), "False")

    def test_the_command_line_builds_the_pipeline_without_tensorflow(self) -> None:
        root = Path(__file__).resolve().parents[2]
        script = ("import sys\n"
                  "from clinic_nlu.components import spacy_pipeline\n"
                  "spacy_pipeline.without_tensorflow()\n"
                  "nlp = spacy_pipeline.build_pipeline(\n"
                  "    [{'label': 'PROCEDURE', 'pattern': 'tap flap', 'id': 'tap_flap'}])\n"
                  "print([e.text for e in nlp('is a TAP flap painful').ents],\n"
                  "      sys.modules.get('tensorflow'))")  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(root)}
        result = subprocess.run([sys.executable, "-c", script], cwd=root, env=env,
                                capture_output=True, text=True, check=True)  # fmt: skip
        self.assertEqual(result.stdout.strip(), "['TAP flap'] None")
