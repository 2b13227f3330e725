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
"""

from __future__ import annotations

import gc
from typing import Any


def install() -> None:
    _cache_action_response_validator()
    _cache_event_types()


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
