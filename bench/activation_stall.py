"""How long a Rasa server's event loop stops while ``PUT /model`` loads a model (issue 18).

While the event loop is stopped, no patient whose message reached that server gets a reply.
Each way is measured in a fresh process of the Rasa environment: a task on the loop wakes every
10 ms and records how late it woke, while ``rasa.server._load_agent`` (what the ``PUT /model``
handler awaits) loads the model:

- ``loop``: Rasa 3.6's own function, which loads on the event loop;
- ``thread``: as the server runs it (``clinic_nlu.server.activation``): loaded, warmed up and
  frozen in the loader thread.

    .venv-rasa/bin/python -m bench.activation_stall [--model models/clinic.tar.gz] [--runs 1]
        [--modes loop,thread]

Writes bench/results/activation-stall.json. The production test
(tests/production/test_model_activation.py) measures what patients see end to end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICK_SECONDS = 0.01


async def _late_ticks(stop: asyncio.Event, lateness: list[tuple[float, float]]) -> None:
    """(how late, when it woke) for each tick."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(TICK_SECONDS)
        woke = time.perf_counter()
        lateness.append((woke - started - TICK_SECONDS, woke))


async def _measure(mode: str, model: str) -> dict:
    import rasa.server

    from clinic_nlu.server import activation

    load = rasa.server._load_agent
    if mode == "thread":
        load = activation.loading_off_the_event_loop(load)
    stop, lateness = asyncio.Event(), list[tuple[float, float]]()
    ticks = asyncio.create_task(_late_ticks(stop, lateness))
    await asyncio.sleep(0.1)
    started = time.perf_counter()
    await load(model_path=model)
    finished = time.perf_counter()
    stop.set()
    await ticks
    lateness.sort()
    longest, ended = lateness[-1]
    # Whether the longest stop is the garbage collection at the end (the freeze) or the load.
    return {"mode": mode, "load_seconds": round(finished - started, 2),
            "longest_stop_seconds": round(longest, 3),
            "longest_stop_ended_seconds_before_the_load_returned": round(finished - ended, 2),
            "p99_stop_seconds": round(lateness[int(0.99 * (len(lateness) - 1))][0], 3),
            "ticks": len(lateness)}  # fmt: skip


def _one_process(mode: str, model: str) -> dict:
    # As a Rasa server runs (RasaEnvironment.server_env).
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2",
           "RASA_TELEMETRY_ENABLED": "false", "TF_INTRA_OP_PARALLELISM_THREADS": "2",
           "TF_INTER_OP_PARALLELISM_THREADS": "1"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "bench.activation_stall", "--mode", mode,
         "--model", model], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/clinic.tar.gz")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--modes", default="loop,thread")
    parser.add_argument("--mode", choices=("loop", "thread"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.mode:  # one measurement, in this process
        print(json.dumps(asyncio.run(_measure(arguments.mode, arguments.model))))
        return
    runs = [_one_process(mode, arguments.model)
            for _ in range(arguments.runs) for mode in arguments.modes.split(",")]  # fmt: skip
    report = {"model": arguments.model, "load_average": os.getloadavg(), "runs": runs}
    out = ROOT / "bench" / "results" / "activation-stall.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    for run in runs:
        print(run)


if __name__ == "__main__":
    main()
