"""`rasa train`, without the work a training with Rasa's cache turned off throws away.

Usage: ``python -m clinic_nlu.train ARGS``, where ARGS are `rasa train`'s (the run command
and the console's retraining both call it so; ``clinic_assistant.runtime.model``).

Rasa fingerprints every component's inputs before it runs and its output after it runs (its
``TrainingHook``), so that a later training can reuse the output from its cache. This project
trains only when the inputs changed and turns the cache off (``RASA_MAX_CACHE_SIZE=0``: the
triage classifier reads a file the cache cannot see), so the cache drops every entry, yet the
fingerprints were still computed: hashing every token and feature of 6,000 messages before and
after each component. The output fingerprints cost about 17 s of CPU of every training on 2
cores; the input fingerprints (the key the output would be cached under) about 12 s more. With
the cache off this skips both; with it on, Rasa's hook runs unchanged. Everything else, the
validation of the data included, is Rasa's own.
"""

from __future__ import annotations

import os
import sys
from typing import Any

# Rasa's TrainingHook.on_before_node and on_after_node, kept to run when the cache is on.
_RASA_ON_BEFORE_NODE: Any = None
_RASA_ON_AFTER_NODE: Any = None


def cache_is_off() -> bool:
    """Rasa's own reading of its cache size (rasa.engine.caching.LocalTrainingCache)."""
    from rasa.engine.caching import CACHE_SIZE_ENV, DEFAULT_CACHE_SIZE_MB

    return float(os.environ.get(CACHE_SIZE_ENV, DEFAULT_CACHE_SIZE_MB)) == 0.0


def _on_before_node(
    self: Any,
    node_name: str,
    execution_context: Any,
    config: dict[str, Any],
    received_inputs: dict[str, Any],
) -> dict:
    """Rasa's hook, unless the cache is off: then no key to cache the output under is needed
    (``_on_after_node`` caches nothing, so it never reads one)."""
    if cache_is_off():
        return {}
    return _RASA_ON_BEFORE_NODE(self, node_name, execution_context, config, received_inputs)


def _on_after_node(
    self: Any,
    node_name: str,
    execution_context: Any,
    config: dict[str, Any],
    output: Any,
    input_hook_data: dict,
) -> None:
    """Rasa's hook, unless the cache is off: then there is nothing to fingerprint for."""
    if cache_is_off():
        return None
    return _RASA_ON_AFTER_NODE(self, node_name, execution_context, config, output,
                               input_hook_data)  # fmt: skip


def install() -> None:
    """Check the installed Rasa, then skip the fingerprints (idempotent)."""
    global _RASA_ON_BEFORE_NODE, _RASA_ON_AFTER_NODE
    from rasa.engine.training.hooks import TrainingHook

    from clinic_nlu.server import patches

    patches.check()
    if _RASA_ON_AFTER_NODE is None:
        _RASA_ON_BEFORE_NODE = TrainingHook.on_before_node
        _RASA_ON_AFTER_NODE = TrainingHook.on_after_node
        TrainingHook.on_before_node = _on_before_node  # type: ignore[method-assign]
        TrainingHook.on_after_node = _on_after_node  # type: ignore[method-assign]


def main(arguments: list[str]) -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "train", *arguments]
    rasa_main()


if __name__ == "__main__":
    main(sys.argv[1:])
