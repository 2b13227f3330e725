"""The project's NLU components, trained, persisted and loaded as Rasa does."""

from __future__ import annotations

import unittest

import numpy as np
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from clinic_nlu.components.intent_classifier import SentenceLogisticClassifier
from clinic_nlu.components.novelty import UnknownWordsClassifier
from clinic_nlu.components.triage_classifier import TriageClassifier, cumulative_level
from tests.rasa_env.support import ComponentTestCase, message, training_data

FLAP, IMPLANT = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]


class IntentClassifierTest(ComponentTestCase):
    def test_ranks_the_intent_whose_examples_the_message_resembles_and_survives_a_reload(
        self,
    ) -> None:
        examples = [message(f"flap question {n}", "ask_flap", FLAP) for n in range(4)] + [
            message(f"implant question {n}", "ask_implant", IMPLANT) for n in range(4)
        ]
        classifier = self.build(SentenceLogisticClassifier, "intents", sparse_weight=0.0)
        classifier.train(training_data(*examples))
        loaded = self.reload(SentenceLogisticClassifier, "intents", sparse_weight=0.0)
        asked = message("tell me about the tummy flap", dense=[0.9, 0.1, 0.0])
        loaded.process([asked])
        self.assertEqual(asked.get(INTENT)["name"], "ask_flap")
        ranking = asked.get(INTENT_RANKING_KEY)
        self.assertEqual([r["name"] for r in ranking], ["ask_flap", "ask_implant"])
        self.assertAlmostEqual(sum(r["confidence"] for r in ranking), 1.0, places=5)


class UnknownWordsTest(ComponentTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.classifier = self.build(UnknownWordsClassifier, "novelty")
        self.classifier.train(training_data(
            message("what is a flap reconstruction", "ask_flap"),
            message("how long is recovery after surgery", "ask_recovery"),
            message("can I have an implant after radiotherapy", "ask_implant"),
        ))  # fmt: skip

    def _classified(self, text: str, intent: str = "ask_flap"):
        found = message(text)
        found.set(INTENT, {"name": intent, "confidence": 0.99})
        found.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.99}])
        return self.reload(UnknownWordsClassifier, "novelty").process([found])[0]

    def test_a_message_of_unknown_words_becomes_the_fallback(self) -> None:
        parsed = self._classified("banana bread recipe with walnuts")
        self.assertEqual(parsed.get(INTENT)["name"], "nlu_fallback")
        self.assertEqual(parsed.get(INTENT_RANKING_KEY)[1]["name"], "ask_flap")

    def test_known_words_with_typos_keep_their_intent(self) -> None:
        self.assertEqual(self._classified("recovry after flap surgery")
                         .get(INTENT)["name"], "ask_flap")  # fmt: skip

    def test_button_payloads_are_left_alone(self) -> None:
        self.assertEqual(self._classified("/ask_implant", "ask_implant")
                         .get(INTENT)["name"], "ask_implant")  # fmt: skip


class TriageLevelTest(unittest.TestCase):
    def test_the_most_urgent_level_whose_cumulative_probability_reaches_its_threshold(
        self,
    ) -> None:
        # none, routine, same day, emergency: 0.15 + 0.1 of same day or worse reaches 0.2.
        probabilities = np.array([0.5, 0.25, 0.15, 0.1])
        thresholds = {"emergency": 0.3, "contact_team_today": 0.2, "routine_followup": 0.4}
        self.assertEqual(cumulative_level(probabilities, thresholds), "contact_team_today")
        self.assertEqual(cumulative_level(np.array([0.9, 0.05, 0.03, 0.02]), thresholds), "none")


# The shape clinic_assistant.learning.reviewed writes (tests/learning checks the product's side).
TRAINING_WITH_REVIEWED = """
version: "3.1"
nlu:
- intent: ask_recovery
  examples: |
    - how long is recovery after fat grafting
- intent: ask_recovery
  metadata: {"origin": "staff_review"}
  examples: |
    - when can i go back to work, the scar is red and hot since yesterday
"""


class TriageNoneExamplesTest(ComponentTestCase):
    def test_messages_staff_labelled_in_the_inbox_are_not_taught_as_level_none(self) -> None:
        data = RasaYAMLReader().reads(TRAINING_WITH_REVIEWED)
        classifier = self.build(TriageClassifier, "triage")
        taught = [(text, level) for text, level, _ in classifier._none_examples(data)]
        self.assertEqual(taught, [("how long is recovery after fat grafting", "none")])
