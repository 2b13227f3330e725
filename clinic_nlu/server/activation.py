"""Loading a model through Rasa's HTTP API (``PUT /model``) while the old one keeps answering.

Rasa 3.6's ``PUT /model`` awaits ``rasa.server._load_agent``, which loads the model with a
plain function call on the server's event loop (``Agent.load_model`` inside
``rasa.core.agent.load_agent``): for the 10-20 s a load takes here, that server does nothing
else, so every patient whose message reached it waits for the whole load (production test,
8 patients, 2 servers: slowest reply 13-21 s, past the widget's 20 s timeout).

Here the same Rasa function runs in a thread of its own, with an event loop of its own, and
the server's loop goes on answering with the model it has. The new agent is made ready there
too, as the server's start-up makes the first one ready (``channels.prepare``): tracker-store
errors reach the channel instead of Rasa's in-memory fallback, one message is parsed so that
the first patient does not pay for TensorFlow's first call (about 2 s), and the loaded objects
are moved out of the garbage collector's sight (``speedups.freeze_loaded_objects``). Only then
does Rasa's handler replace ``app.ctx.agent``: one assignment, so a message is handled wholly
by the old model or wholly by the new one, and a load that fails leaves the old one in place
(Rasa's own error reaches the caller, as before).

Measured on this 2-core machine (``bench.activation_stall``: a 10 ms ticker on the loop while
``_load_agent`` loads models/clinic.tar.gz; load average 3.8): on the loop, the loop stopped
for the whole load (10.9 s, 15.8 s); in the thread, its longest stop was 0.5-1.7 s, while
loading or warming up (not the freeze), and the load took longer (16-26 s, the two threads
sharing the GIL), which patients do not see.

The handler is still bounded by the server's response timeout (``CLINIC_RESPONSE_SECONDS``,
60 s): a load that takes longer is given up (503), its agent never swapped in, and the
learning worker puts the live model back on every server.

An event broker (Kafka, RabbitMQ) would be created bound to the loader's event loop, which
ends with the load: with one configured, the model is loaded on the server's loop, as Rasa
does (this project configures none).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.trackers import DialogueStateTracker

from clinic_nlu.server import delivery, speedups

logger = logging.getLogger(__name__)
WARM_UP_TEXT = "hello"

LoadAgent = Callable[..., Awaitable[Agent]]

# One load at a time: two at once would hold three models in memory.
_loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-load")


def install() -> None:
    """Called by ``clinic_nlu.server.patches.install``, after its checks."""
    import rasa.server

    if getattr(rasa.server, "_clinic_loads_off_the_loop", False):
        return
    rasa.server._load_agent = loading_off_the_event_loop(rasa.server._load_agent)
    rasa.server._clinic_loads_off_the_loop = True


def loading_off_the_event_loop(load_agent: LoadAgent) -> LoadAgent:
    """``rasa.server._load_agent``, run in the loader thread, returning a ready agent."""

    async def load_in_thread(model_path: str | None = None, model_server: Any = None,
                             remote_storage: str | None = None,
                             endpoints: Any = None) -> Agent:  # fmt: skip
        arguments = {"model_path": model_path, "model_server": model_server,
                     "remote_storage": remote_storage, "endpoints": endpoints}  # fmt: skip
        if endpoints is not None and endpoints.event_broker is not None:
            logger.warning("an event broker is configured: loading the model on the event loop")
            return await load_agent(**arguments)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_loader, load_ready_agent, load_agent, arguments)

    return load_in_thread


def load_ready_agent(load_agent: LoadAgent, arguments: dict[str, Any]) -> Agent:
    """In the loader thread: Rasa's load, then what the server's start-up does to its agent."""
    started = time.perf_counter()
    agent = asyncio.run(load_agent(**arguments))
    loaded = time.perf_counter()
    delivery.use_primary_tracker_store(agent)
    warm_up(agent)
    warmed = time.perf_counter()
    speedups.freeze_loaded_objects()
    logger.info("model %s loaded in %.1f s, warmed up in %.1f s, frozen in %.1f s; it answers now",
                arguments["model_path"], loaded - started, warmed - loaded,
                time.perf_counter() - warmed)  # fmt: skip
    return agent


def warm_up(agent: Agent) -> None:
    """Parse one message, so that TensorFlow's slow first call is not a patient's."""
    processor = agent.processor
    if processor is None or processor.http_interpreter:
        return
    tracker = DialogueStateTracker.from_events("clinic-warm-up", [])
    try:
        processor._parse_message_with_graph(UserMessage(WARM_UP_TEXT), tracker, True)
    except Exception:  # a patient's parse has its own safety net (safe_parse)
        logger.exception("warming up the new model failed; it is used all the same")
