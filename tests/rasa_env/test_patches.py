"""The project's changes to Rasa's own functions: checked against the Rasa they were written
for, installed once, and doing what they promise."""

from __future__ import annotations

import asyncio
import unittest
from unittest import mock

import rasa
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.utils.endpoints import EndpointConfig

from clinic_common.text import normalise_message
from clinic_nlu.server import patches
from clinic_nlu.server.patches import Touched


class VersionCheckTest(unittest.TestCase):
    def test_the_installed_rasa_is_the_one_the_changes_were_written_for(self) -> None:
        self.assertEqual(patches.problems(rasa.__version__), [])

    def test_another_rasa_version_stops_the_start_up(self) -> None:
        with (
            mock.patch.object(rasa, "__version__", "3.7.0"),
            self.assertRaisesRegex(patches.RasaMismatch, "3.7.0 is installed"),
        ):
            patches.check()

    def test_a_function_whose_parameters_changed_is_named(self) -> None:
        changed = Touched("rasa.core.processor", "MessageProcessor.parse_message",
                          ("self", "message"), "written for two parameters")  # fmt: skip
        (problem,) = patches.problems(patches.WRITTEN_FOR, (changed,))
        self.assertIn("MessageProcessor.parse_message takes", problem)
        self.assertIn("written for two parameters", problem)

    def test_a_function_that_no_longer_exists_is_named(self) -> None:
        gone = Touched("rasa.core.processor", "MessageProcessor.parse_everything", (), "gone")
        (problem,) = patches.problems(patches.WRITTEN_FOR, (gone,))
        self.assertIn("no longer exists", problem)

    def test_a_caller_that_no_longer_makes_the_call_relied_on_is_named(self) -> None:
        changed = Touched("rasa.server", "_load_agent",
                          ("model_path", "model_server", "remote_storage", "endpoints"),
                          "the caller changed", calls="await load_differently(")  # fmt: skip
        (problem,) = patches.problems(patches.WRITTEN_FOR, (changed,))
        self.assertIn("no longer has `await load_differently(`", problem)


class InstalledPatchesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        patches.install()
        patches.install()  # a second start-up call changes nothing

    def test_the_patched_functions_keep_rasas_parameters(self) -> None:
        self.assertEqual(patches.problems(rasa.__version__), [])

    def test_a_message_the_nlu_fails_on_still_gets_a_parse_with_its_normalised_text(
        self,
    ) -> None:
        processor = mock.Mock(spec=MessageProcessor)
        processor.http_interpreter = None
        processor._parse_message_with_graph.side_effect = ValueError("featurizer crashed")
        text = "chest pain \u2764\ufe0f\u200b right now"
        with self.assertLogs("clinic_nlu.server.safe_parse", "ERROR"):
            parsed = asyncio.run(MessageProcessor.parse_message(processor, UserMessage(text)))
        self.assertEqual(parsed["intent"]["name"], "nlu_fallback")
        self.assertEqual(parsed["text"], normalise_message(text))
        self.assertTrue(parsed["nlu_error"])

    def test_event_types_resolve_from_the_table_and_unknown_ones_as_rasa_does(self) -> None:
        self.assertIs(Event.resolve_by_type("user"), UserUttered)
        self.assertIs(Event.resolve_by_type("slot"), SlotSet)
        with self.assertRaises(ValueError):
            Event.resolve_by_type("no_such_event")

    def test_action_server_responses_are_still_validated(self) -> None:
        action = RemoteAction("action_answer_question", EndpointConfig("http://127.0.0.1:1"))
        self.assertTrue(action._validate_action_result({"events": [], "responses": []}))
        with self.assertRaises(ValidationError):  # Rasa's own error, as before
            action._validate_action_result({"events": "not a list"})
