"""The changes this project makes to Rasa's own functions, checked before they are made.

Three modules replace functions inside Rasa 3.6 (``speedups``: the action-response validator,
the event-type lookup, parsing off the event loop; ``safe_parse``: normalised text and a parse
even when the NLU fails; ``activation``: ``PUT /model`` loading the model off the event loop),
and three lean on its internals (``delivery``: the agent's lock and
tracker stores and ``MessageProcessor.handle_message``; ``tracker_store``: ``SQLTrackerStore``'s
private query helpers); training (``clinic_nlu.train``) skips Rasa's fingerprints of each
component's inputs and output when its cache is off. They were written against Rasa ``WRITTEN_FOR``.
``install`` is called once at the server's start-up (``clinic_nlu.server.serve``): it first
checks that the installed Rasa is that version and that every function touched still takes
the parameters it was written for (and, where a change relies on how Rasa calls a function,
that the caller still makes that call), and refuses to start otherwise (``clinic_nlu.train``
checks the same before a training), so a Rasa upgrade fails loudly at start-up instead of
quietly mid-conversation.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass

WRITTEN_FOR = "3.6.21"


@dataclass(frozen=True)
class Touched:
    """One function of Rasa this project replaces or calls from the inside."""

    module: str
    qualname: str
    parameters: tuple[str, ...]
    why: str
    # Code the function's source must contain: the call a replacement elsewhere relies on.
    calls: str = ""

    def find(self) -> Callable:
        owner: object = importlib.import_module(self.module)
        for part in self.qualname.split("."):
            owner = getattr(owner, part)
        return owner  # type: ignore[return-value]


TOUCHED = (
    Touched("rasa.core.actions.action", "RemoteAction._validate_action_result",
            ("self", "result"), "speedups: the validator is built once"),
    Touched("rasa.core.actions.action", "RemoteAction.action_response_format_spec",
            (), "speedups: the schema the validator is built from"),
    Touched("rasa.shared.core.events", "Event.resolve_by_type",
            ("type_name", "default"), "speedups: the event-type table is built once"),
    Touched("rasa.core.processor", "MessageProcessor.parse_message",
            ("self", "message", "tracker", "only_output_properties"),
            "speedups and safe_parse: parsing in a thread, normalised, never dropped"),
    Touched("rasa.core.processor", "MessageProcessor._parse_message_with_graph",
            ("self", "message", "tracker", "only_output_properties"),
            "speedups: what parse_message runs in its thread; activation: the warm-up"),
    Touched("rasa.core.processor", "MessageProcessor._update_full_retrieval_intent",
            ("self", "parse_data"), "speedups: called as parse_message calls it"),
    Touched("rasa.core.processor", "MessageProcessor._check_for_unseen_features",
            ("self", "parse_data"), "speedups: called as parse_message calls it"),
    Touched("rasa.core.processor", "MessageProcessor.handle_message",
            ("self", "message"), "delivery: handling a message under the lock we hold"),
    Touched("rasa.core.lock_store", "LockStore.lock",
            ("self", "conversation_id", "lock_lifetime", "wait_time_in_seconds"),
            "delivery: the conversation's lock, polled every 20 ms"),
    Touched("rasa.core.tracker_store", "SQLTrackerStore._retrieve",
            ("self", "sender_id", "fetch_events_from_all_sessions"),
            "tracker_store: events read as plain rows"),
    Touched("rasa.core.tracker_store", "SQLTrackerStore._event_query",
            ("self", "session", "sender_id", "fetch_events_from_all_sessions"),
            "tracker_store: the query it reads events with"),
    Touched("rasa.core.tracker_store", "SQLTrackerStore._additional_events",
            ("self", "session", "tracker"), "tracker_store: the events a save adds"),
    Touched("rasa.core.tracker_store", "SQLTrackerStore.save",
            ("self", "tracker"), "tracker_store: saving with redaction"),
    Touched("rasa.server", "_load_agent",
            ("model_path", "model_server", "remote_storage", "endpoints"),
            "activation: PUT /model loads the model in a thread"),
    Touched("rasa.server", "create_app",
            ("agent", "cors_origins", "auth_token", "response_timeout", "jwt_secret",
             "jwt_private_key", "jwt_method", "endpoints"),
            "activation: the PUT /model handler awaits _load_agent, then swaps the agent",
            calls="new_agent = await _load_agent("),
    Touched("rasa.core.agent", "Agent.load_model", ("self", "model_path", "fingerprint"),
            "activation: the blocking load, run in the loader thread"),
    Touched("rasa.engine.training.hooks", "TrainingHook.on_before_node",
            ("self", "node_name", "execution_context", "config", "received_inputs"),
            "clinic_nlu.train: no input fingerprints when the training cache is off"),
    Touched("rasa.engine.training.hooks", "TrainingHook.on_after_node",
            ("self", "node_name", "execution_context", "config", "output", "input_hook_data"),
            "clinic_nlu.train: no output fingerprints when the training cache is off"),
)  # fmt: skip


class RasaMismatch(RuntimeError):
    """The installed Rasa is not the one these changes were written for."""


def problems(version: str, touched: tuple[Touched, ...] = TOUCHED) -> list[str]:
    """What differs from what the changes were written for (empty: nothing)."""
    found = []
    if version != WRITTEN_FOR:
        found.append(f"Rasa {version} is installed; these changes were written for {WRITTEN_FOR}")
    for item in touched:
        try:
            parameters = tuple(inspect.signature(item.find()).parameters)
        except (ImportError, AttributeError):
            found.append(f"{item.module}.{item.qualname} no longer exists ({item.why})")
            continue
        if parameters != item.parameters:
            found.append(
                f"{item.module}.{item.qualname} takes {parameters}, not {item.parameters} "
                f"({item.why})"
            )
        elif item.calls and item.calls not in _source(item):
            found.append(f"{item.module}.{item.qualname} no longer has `{item.calls}` ({item.why})")
    return found


def _source(item: Touched) -> str:
    try:
        return inspect.getsource(item.find())
    except (OSError, TypeError):  # no source installed: the call cannot be confirmed
        return ""


def check() -> None:
    import rasa

    found = problems(rasa.__version__)
    if found:
        raise RasaMismatch(
            "the clinic's changes to Rasa do not fit the installed Rasa; review "
            "clinic_nlu/server/patches.py before changing the pin:\n  - " + "\n  - ".join(found)
        )


def install() -> None:
    """Check, then make the changes (idempotent)."""
    from clinic_nlu.server import activation, safe_parse, speedups

    check()
    speedups.install()  # parsing in a thread first: safe_parse wraps it
    safe_parse.install()
    activation.install()
