"""`make bench-train`: how long training the model takes from nothing, against the 90 s target.

From nothing means as in a fresh clone: the project's files (the working tree's, so what is
measured is what is being changed) are copied to a temporary folder without build/, models/,
.rasa/ or var/, and `python -m clinic_assistant train` runs there: the spaCy pipeline is built,
then the model is trained with Rasa's cache off. Nothing from an earlier training is reused.
The environments (.venv, .venv-rasa) and ../shared are linked, not copied.

Also measured, in the same copy: the command the console's retraining runs (the learning
worker's ``RasaEnvironment.train_command``), the spaCy pipeline being built by then.

The machine's load is recorded before and after, since the cores may be shared: a figure
taken under load is not the idle figure. Written to bench/results/train_time.json.

Usage: python -m bench.train_time [--skip-console]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from clinic_assistant.runtime.model import TRAINING_DATA, RasaEnvironment
from clinic_assistant.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
TARGET_SECONDS = 90.0
# Made by training or by `make install`: what a fresh clone does not have.
NOT_IN_A_CLONE = {"build", "models", ".rasa", "var", "results", ".venv", ".venv-rasa"}


def fresh_copy(destination: Path) -> Path:
    """The working tree's tracked and new files, as a clone would have them, plus the links."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=PROJECT_ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    project = destination / PROJECT_ROOT.name
    for name in filter(None, listed):
        source = PROJECT_ROOT / name
        if name.split("/")[0] in NOT_IN_A_CLONE or not source.is_file():
            continue
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, project / name)
    for venv in (".venv", ".venv-rasa"):
        (project / venv).symlink_to((PROJECT_ROOT / venv).resolve())
    shared = (PROJECT_ROOT.parent / "shared").resolve()
    if shared.exists():
        (destination / "shared").symlink_to(shared)
    return project


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> dict:
    """Wall and CPU seconds (user + system of the command and its children), peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
            "peak_rss_mb": round(after.ru_maxrss / 1024), "load_before": round(load_before, 2),
            "load_after": round(os.getloadavg()[0], 2)}  # fmt: skip


def console_command(project: Path) -> list[str]:
    """What the learning worker runs (clinic_assistant.learning.worker), into models/."""
    data = [str(project / d) for d in TRAINING_DATA if (project / d).exists()]
    return RasaEnvironment(project).train_command(
        "--fixed-model-name", "candidate-bench", "--out", str(project / "models"),
        "--config", str(project / "config.yml"), "--domain", str(project / "domain.yml"),
        "--data", *data,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-console", action="store_true")
    args = parser.parse_args()
    result: dict = {"cores": os.cpu_count(), "target_seconds": TARGET_SECONDS}
    with tempfile.TemporaryDirectory(prefix="train-from-nothing-") as folder:
        project = fresh_copy(Path(folder))
        env = {**os.environ, "PYTHONPATH": str(project)}
        result["run_command"] = timed(
            [str(project / ".venv" / "bin" / "python"), "-m", "clinic_assistant", "train"],
            project, env,
        )  # fmt: skip
        if not args.skip_console:
            result["console_command"] = timed(
                console_command(project), project, RasaEnvironment(project).env()
            )
    result["met"] = result["run_command"]["wall_seconds"] <= TARGET_SECONDS
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "train_time.json").write_text(json.dumps(result, indent=2) + "\n")
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
