"""Performance fixes for Rasa 3.6 on the hot path of every message, found with py-spy.

- Rasa validates each action server response with ``jsonschema.validate``, which first checks
  the schema itself against the JSON Schema meta-schema, on every call: about 15% of the Rasa
  server's time per message here. The validator is built once instead; responses are still
  validated the same way, and invalid ones still raise Rasa's own error.
- Every stored event is turned back into an object through ``Event.resolve_by_type``, which
  walks the whole tree of ``Event`` subclasses each time: about 20% of the time per message in a
  conversation of a few dozen turns. The name-to-class table is built once; a name that is not
  in it (a subclass defined later) still goes through Rasa's own lookup.
- Python's full garbage collection walks every object of the loaded model (TensorFlow, spaCy,
  Rasa's graph): 340-430 ms with the event loop stopped, every few seconds under load, which
  stalled every patient waiting at that moment. The objects loaded at start-up live as long as
  the process, so they are moved out of the collector's sight once the model is loaded
  (``gc.freeze``); a full collection then takes about 8 ms.
- Rasa runs the NLU pipeline (MiniLM, DIET: about 18 ms a message here) on the server's event
  loop, so every other patient's reply, action call and database write waited behind it: with
  50 patients, the p95 of a call to the action server was 119 ms for 8 ms of work in it. The
  pipeline now runs in one thread of its own (one message at a time, as before; TensorFlow
  releases the GIL while it computes) and the event loop goes on meanwhile: realistic-50 p95
  from 108-166 ms to about 76 ms.
"""

from __future__ import annotations

import asyncio
import gc
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def install() -> None:
    """Called by ``clinic_nlu.server.patches.install``, after its version check."""
    _cache_action_response_validator()
    _cache_event_types()
    _parse_off_the_event_loop()


def freeze_loaded_objects() -> None:
    gc.collect()
    gc.freeze()


def _cache_action_response_validator() -> None:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction, "_clinic_cached_validator", False):
        return
    original = RemoteAction._validate_action_result
    validators: dict[str, Any] = {}

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        validator = validators.get("response")
        if validator is None:
            schema = self.action_response_format_spec()
            validator = validators["response"] = validator_for(schema)(schema)
        if validator.is_valid(result):
            return True
        return original(self, result)  # raises with Rasa's explanation

    RemoteAction._validate_action_result = validate_action_result
    RemoteAction._clinic_cached_validator = True


def _cache_event_types() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    if getattr(Event, "_clinic_cached_types", False):
        return
    original = Event.resolve_by_type
    by_name: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = by_name.get(type_name)
        if found is not None:
            return found
        for cls in all_subclasses(Event):
            # The first class with a name wins, as in Rasa's own loop.
            by_name.setdefault(cls.type_name, cls)
        return by_name.get(type_name) or original(type_name, default)

    Event.resolve_by_type = staticmethod(resolve_by_type)
    Event._clinic_cached_types = True


def _parse_off_the_event_loop() -> None:
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    if getattr(MessageProcessor, "_clinic_parse_in_thread", False):
        return
    original = MessageProcessor.parse_message
    # One thread: the NLU components run one message at a time, as before, but the event loop
    # goes on with the other patients' messages (replies, action calls, the database) meanwhile.
    nlu = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu")

    async def parse_message(self, message, tracker=None, only_output_properties=True):
        if self.http_interpreter:
            return await original(self, message, tracker, only_output_properties)
        if tracker is None:
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
        parse_data = await asyncio.get_running_loop().run_in_executor(
            nlu, self._parse_message_with_graph, message, tracker, only_output_properties
        )
        self._update_full_retrieval_intent(parse_data)
        self._check_for_unseen_features(parse_data)
        return parse_data

    MessageProcessor.parse_message = parse_message
    MessageProcessor._clinic_parse_in_thread = True
