"""`make bench`: everything measured side by side in one run, written to bench/results/.

Against the running product and, as the reference, a bare `rasa init` assistant started the same
way on other ports, both on loopback. Bounded in time: load scenarios run for fixed durations,
and the bare assistant is trained once and kept in build/bench/bare.

Usage: python -m bench.run [--quick]   (--quick: shorter load runs, for trying things out)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench import load
from bench.report import write_report
from bench.resources import PeakSampler, rss_mb
from clinic_assistant.provisioning import prepare_database
from clinic_assistant.runtime.model import RasaEnvironment, train
from clinic_assistant.runtime.processes import Supervisor
from clinic_assistant.runtime.stack import Stack, StackConfig, is_ready
from clinic_assistant.settings import PROJECT_ROOT, Settings
from clinic_assistant.triage import TriageEngine

RESULTS = PROJECT_ROOT / "bench" / "results"
WORK = PROJECT_ROOT / "build" / "bench"
# A patient's conversation with the assistant, and with the bare assistant (its mood bot).
PATIENT_SCRIPT = ["hello", "what is a TAP flap?", "and the risks?",
                  "how long is recovery for that one?", "thanks, that helps"]  # fmt: skip
BARE_SCRIPT = ["hello", "I am feeling sad", "yes", "great", "goodbye"]
PORTS = {"ours": (5205, 5255, 8205), "bare": 5305}


def _rasa_env() -> RasaEnvironment:
    return RasaEnvironment(PROJECT_ROOT)


def nlu_quality() -> dict:
    out = WORK / "nlu.json"
    subprocess.run([str(_rasa_env().python), "-m", "bench.nlu", str(out)], cwd=PROJECT_ROOT,
                   env=_rasa_env().env(), check=True)  # fmt: skip
    return json.loads(out.read_text())


def triage_quality() -> dict:
    from clinic_common.contract import TRIAGE_LEVELS

    engine = TriageEngine(PROJECT_ROOT / "data" / "triage")
    cases = yaml.safe_load((PROJECT_ROOT / "tests/triage/cases.yml").read_text())["cases"]
    got = [(case["level"], engine.assess(case["text"]).level) for case in cases]
    started = time.perf_counter()
    for case in cases:
        engine.assess(case["text"])
    per_message_ms = (time.perf_counter() - started) / len(cases) * 1000
    levels = {}
    for level in TRIAGE_LEVELS:
        expected = [g for e, g in got if e == level]
        predicted = [e for e, g in got if g == level]
        levels[level] = {
            "cases": len(expected),
            "recall": sum(g == level for g in expected) / len(expected),
            "precision": (sum(e == level for e in predicted) / len(predicted)) if predicted else 1,
        }
    return {"cases": len(cases), "levels": levels, "per_message_ms": round(per_message_ms, 2)}


def training_time() -> float:
    """A full training of the project's model from nothing (no cache), in seconds."""
    with tempfile.TemporaryDirectory() as directory:
        env = {**_rasa_env().env(), "RASA_CACHE_DIRECTORY": str(Path(directory) / "cache"),
               "TQDM_DISABLE": "1"}  # fmt: skip
        started = time.monotonic()
        subprocess.run(
            _rasa_env().train_command("--out", directory, "--config", "config.yml",
                                      "--domain", "domain.yml", "--data", "data/nlu", "data/rules"),
            cwd=PROJECT_ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        return round(time.monotonic() - started, 1)


def bare_assistant() -> Path:
    """`rasa init` once, kept for later runs: its project directory."""
    directory = WORK / "bare"
    if not list((directory / "models").glob("*.tar.gz")):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        subprocess.run([str(_rasa_env().rasa), "init", "--no-prompt", "--init-dir", "."],
                       cwd=directory, env={**_rasa_env().env(), "TQDM_DISABLE": "1"},
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return directory


def start_bare(directory: Path, supervisor: Supervisor) -> tuple[str, float, int]:
    port = PORTS["bare"]
    model = sorted((directory / "models").glob("*.tar.gz"))[-1]
    started = time.monotonic()
    child = supervisor.start(
        "bare", [str(_rasa_env().rasa), "run", "--model", str(model), "--interface", "127.0.0.1",
                 "--port", str(port), "--credentials", "credentials.yml"],
        # As `rasa run` starts it out of the box (telemetry off): the assistant's own tuning
        # (TF thread pools, NLU off the event loop) is part of what is compared. With the
        # assistant's TF settings the bare server measured the same or slower.
        cwd=directory, env=_rasa_env().env(),
    )  # fmt: skip
    url = f"http://localhost:{port}"
    while not is_ready(f"{url}/webhooks/rest/"):
        if child.process.poll() is not None:
            raise RuntimeError("the bare assistant did not start; see build/bench/bare.log")
        time.sleep(0.2)
    asyncio.run(load.first_reply(f"{url}/webhooks/rest/webhook", "hello"))
    return url, round(time.monotonic() - started, 1), child.process.pid


def start_ours(model: Path, directory: Path) -> tuple[Stack, float]:
    rasa_port, action_port, web_port = PORTS["ours"]
    # The load comes from one address and sends back to back: the rate limits for patients
    # would (rightly) stop it, so they are off for the benchmark.
    os.environ["CLINIC_RATE_PER_CONVERSATION"] = os.environ["CLINIC_RATE_PER_ADDRESS"] = "0"
    settings = Settings.from_env({
        **{k: v for k, v in os.environ.items() if k.startswith("CLINIC_")},
        "CLINIC_ROOT": str(PROJECT_ROOT),
        "CLINIC_DATABASE_URL": f"sqlite:///{directory / 'clinic.db'}",
        "CLINIC_TRACKER_DB": str(directory / "tracker.db"),
    })  # fmt: skip
    prepare_database(settings)
    config = StackConfig(
        settings=settings,
        model=model,
        run_dir=directory / "run",
        rasa_port=rasa_port,
        action_port=action_port,
        web_port=web_port,
    )
    stack = Stack(config, Supervisor(log_file=WORK / "ours.log"))
    started = time.monotonic()
    stack.start()
    asyncio.run(load.first_reply(config.webhook_url, "hello"))
    return stack, round(time.monotonic() - started, 1)


def run_load(url: str, script: list[str], pids: dict[str, int], quick: bool) -> dict:
    webhook = f"{url}/webhooks/rest/webhook"
    duration = 15 if quick else 30
    idle = {name: rss_mb(pid) for name, pid in pids.items()}
    runs = {"alone": asyncio.run(load.alone(webhook, script, 20 if quick else 40)).summary()}
    with PeakSampler(pids) as sampler:
        for conversations in (10, 50):
            runs[f"realistic-{conversations}"] = asyncio.run(
                load.realistic(webhook, conversations, script)
            ).summary()
        for conversations in (10, 50):
            runs[f"saturation-{conversations}"] = asyncio.run(
                load.saturation(webhook, conversations, script, duration)
            ).summary()
    return {"runs": runs, "memory_idle_mb": idle, "memory_peak_mb": sampler.peaks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    model = train(_rasa_env())
    result: dict = {"machine": {"cores": os.cpu_count()}, "quick": args.quick}
    print("NLU quality (project, Rasa default, TF-IDF + LR, MiniLM kNN)...", flush=True)
    result["nlu"] = nlu_quality()
    print("Triage...", flush=True)
    result["triage"] = triage_quality()
    print("Training time from nothing...", flush=True)
    result["training_seconds"] = training_time()
    print("Bare rasa init assistant...", flush=True)
    bare_directory = bare_assistant()

    supervisor = Supervisor(log_file=WORK / "bare.log")
    try:
        url, cold, pid = start_bare(bare_directory, supervisor)
        print("Load on the bare assistant...", flush=True)
        result["bare"] = {"cold_start_seconds": cold,
                          **run_load(url, BARE_SCRIPT, {"rasa": pid}, args.quick)}  # fmt: skip
    finally:
        supervisor.stop()

    with tempfile.TemporaryDirectory() as directory:
        stack, cold = start_ours(model, Path(directory))
        try:
            pids = {child.name: child.process.pid for child in stack.supervisor.children}
            print("Load on the assistant...", flush=True)
            result["ours"] = {
                "cold_start_seconds": cold,
                **run_load(stack.config.rasa_url, PATIENT_SCRIPT, pids, args.quick),
            }
        finally:
            stack.stop()
    result["bench_seconds"] = round(time.monotonic() - started, 1)
    (RESULTS / "bench.json").write_text(json.dumps(result, indent=1))
    write_report(result, RESULTS)
    print(f"Report: {RESULTS / 'report.md'}")


if __name__ == "__main__":
    sys.exit(main())
