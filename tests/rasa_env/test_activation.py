"""PUT /model loading a model in a thread (clinic_nlu.server.activation): the server's event loop
answers meanwhile, the new agent is ready as the start-up's is, and a failed load is Rasa's
error, with the old agent untouched."""

from __future__ import annotations

import asyncio
import threading
import unittest
import warnings
from typing import Any
from unittest import mock

import rasa.server
from rasa.core.agent import Agent
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.server import ErrorResponse
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig
from sanic.exceptions import SanicException

from clinic_nlu.server import activation, patches, speedups

# Only guards against a hang: no test waits this long unless the load blocks the event loop.
NEVER = 60


def loaded_agent() -> Agent:
    """An agent as Rasa's load returns it: its tracker store wrapped in Rasa's fallback."""
    agent = Agent()
    agent.tracker_store = FailSafeTrackerStore(InMemoryTrackerStore(Domain.empty()))
    agent.processor = mock.Mock(spec=MessageProcessor)
    agent.processor.http_interpreter = None
    agent.processor.tracker_store = agent.tracker_store
    return agent


class LoadingOffTheEventLoopTest(unittest.TestCase):
    def setUp(self) -> None:
        freeze = mock.patch.object(speedups, "freeze_loaded_objects")
        self.freeze = freeze.start()
        self.addCleanup(freeze.stop)

    def load(self, rasa_load: Any, endpoints: AvailableEndpoints | None = None) -> Agent:
        load = activation.loading_off_the_event_loop(rasa_load)
        return asyncio.run(load(model_path="models/new.tar.gz", endpoints=endpoints))

    def test_the_event_loop_answers_other_requests_while_a_model_loads(self) -> None:
        answered, loaded = threading.Event(), loaded_agent()

        async def slow_rasa_load(**_arguments: Any) -> Agent:
            # Blocks as Agent.load_model does; only a request answered meanwhile releases it.
            if not answered.wait(timeout=NEVER):
                raise AssertionError("nothing was answered while the model loaded")
            return loaded

        async def server() -> Agent:
            load = activation.loading_off_the_event_loop(slow_rasa_load)
            loading = asyncio.create_task(load(model_path="models/new.tar.gz"))
            await asyncio.sleep(0)  # the load has started
            answered.set()  # a patient's request, handled on the loop meanwhile
            return await loading

        self.assertIs(asyncio.run(server()), loaded)

    def test_the_loaded_agent_is_ready_as_the_start_up_makes_it(self) -> None:
        loaded = loaded_agent()

        async def rasa_load(**_arguments: Any) -> Agent:
            return loaded

        agent = self.load(rasa_load)
        # Database errors reach the channel (the patient is told to call), not an in-memory store.
        self.assertIsInstance(agent.tracker_store, InMemoryTrackerStore)
        self.assertIsInstance(agent.processor.tracker_store, InMemoryTrackerStore)
        agent.processor._parse_message_with_graph.assert_called_once()  # warmed up
        self.freeze.assert_called_once()

    def test_a_load_rasa_refuses_reaches_the_caller_as_rasas_error(self) -> None:
        async def failing_rasa_load(**_arguments: Any) -> Agent:
            raise SanicException("Agent with name 'models/new.tar.gz' could not be loaded.", 400)

        with self.assertRaisesRegex(SanicException, "could not be loaded"):
            self.load(failing_rasa_load)
        self.freeze.assert_not_called()

    def test_a_model_that_fails_to_warm_up_is_still_used(self) -> None:
        loaded = loaded_agent()
        loaded.processor._parse_message_with_graph.side_effect = ValueError("featurizer")

        async def rasa_load(**_arguments: Any) -> Agent:
            return loaded

        with self.assertLogs("clinic_nlu.server.activation", "ERROR"):
            self.assertIs(self.load(rasa_load), loaded)

    def test_with_an_event_broker_the_model_loads_on_the_event_loop_as_rasa_does(self) -> None:
        threads = []

        async def rasa_load(**_arguments: Any) -> Agent:
            threads.append(threading.current_thread())
            return loaded_agent()

        endpoints = AvailableEndpoints(event_broker=EndpointConfig(type="pika"))
        with self.assertLogs("clinic_nlu.server.activation", "WARNING"):
            self.load(rasa_load, endpoints)
        self.assertEqual(threads, [threading.main_thread()])


class InstalledActivationTest(unittest.TestCase):
    def test_put_model_loads_through_the_thread(self) -> None:
        patches.install()
        self.assertTrue(rasa.server._clinic_loads_off_the_loop)
        self.assertEqual(rasa.server._load_agent.__qualname__,
                         "loading_off_the_event_loop.<locals>.load_in_thread")  # fmt: skip

    def test_a_missing_model_file_is_refused_with_rasas_own_error(self) -> None:
        patches.install()
        with (
            mock.patch.object(speedups, "freeze_loaded_objects"),
            self.assertRaises(ErrorResponse) as refused,
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")  # Rasa's "no valid configuration" warning
            asyncio.run(rasa.server._load_agent(model_path="models/no-such-model.tar.gz"))
        self.assertEqual(refused.exception.status, 400)
        self.assertIn("could not be loaded", refused.exception.error_info["message"])
