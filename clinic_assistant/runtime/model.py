"""The trained Rasa model: build the spaCy pipeline, and train only when the inputs changed.

Training takes minutes, so the run command and the tests retrain only when something the model
is built from changed. That set of inputs is ``TRAINING_INPUTS``; its fingerprint is stored next
to the model.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from clinic_assistant.runtime.processes import run_logged

if TYPE_CHECKING:
    from clinic_assistant.settings import Settings

# Relative to the project root. Curated answers (data/answers) are not here: they live in the
# database and change without retraining.
TRAINING_INPUTS = (
    "config.yml",
    "domain.yml",
    "data/nlu",
    "data/rules",
    "data/stories",
    "data/entities",
    # The triage classifier's examples (clinic_nlu.components.triage_classifier).
    "data/triage/examples.jsonl",
    "tests/triage/cases.yml",
    # The components' code (not the server's: a change to the channel needs no new model).
    "clinic_nlu/components",
    "clinic_common",
    "requirements/rasa.lock",
)
TRAINING_DATA = ("data/nlu", "data/rules", "data/stories")
MODEL_NAME = "clinic"
SPACY_PIPELINE = Path("build/spacy/clinic_en")
SPACY_PATTERNS = Path("data/entities/patterns.jsonl")
# Training's full output (TensorFlow's notices, every library's deprecation warnings) goes here;
# the terminal shows the components as they are trained.
TRAIN_LOG = Path("var/log/train.log")
SPACY_LOG = Path("var/log/spacy-pipeline.log")
COMPONENT_STARTED = re.compile(r"Starting to train component '(\w+)'")


def training_progress(line: str) -> str | None:
    """What the terminal shows of a line of `rasa train`: the component being trained."""
    found = COMPONENT_STARTED.search(line)
    return f"  training {found.group(1)}" if found else None


@dataclass(frozen=True)
class RasaEnvironment:
    """Where the Rasa environment is, and how to run things in it."""

    root: Path
    # The Rasa environment's folder (Settings.rasa_venv); .venv-rasa in the project if None.
    venv_path: Path | None = None

    @classmethod
    def of(cls, settings: Settings) -> RasaEnvironment:
        return cls(settings.root, settings.rasa_venv)

    @property
    def venv(self) -> Path:
        return self.venv_path or self.root / ".venv-rasa"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def rasa(self) -> Path:
        return self.venv / "bin" / "rasa"

    def train_command(self, *arguments: str) -> list[str]:
        """`rasa train ARGUMENTS`, through clinic_nlu.train: Rasa's training without the
        fingerprints its cache would need, which is off (``env``)."""
        return [str(self.python), "-m", "clinic_nlu.train", *arguments]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(self.root)
        # TensorFlow's start-up chatter about CUDA and CPU features helps nobody here.
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        # Rasa's telemetry and crash reports (Segment, Sentry) would send data about patients'
        # conversations off the machine: always off, whatever the user's global Rasa config says.
        env["RASA_TELEMETRY_ENABLED"] = "false"
        # Rasa's training cache keys a component by its config and Rasa's own training data;
        # the triage classifier also reads data/triage/examples.jsonl, which the cache cannot
        # see. Training runs only when TRAINING_INPUTS change, so nothing is cached instead.
        env["RASA_MAX_CACHE_SIZE"] = "0"
        return env

    def server_env(self) -> dict[str, str]:
        """The environment of a Rasa server (not of training, which uses every core)."""
        env = self.env()
        # Small thread pools: each message is a small computation, and TensorFlow's default
        # (a thread per core in each of two pools) fought the other processes for the cores.
        # Two threads inside an operation: the NLU thread (clinic_nlu.server.speedups) computes
        # MiniLM about twice as fast while the event loop carries on (bench, 2 cores:
        # realistic-50 p95 81 -> 69 ms, saturation-10 36.9 -> 37.4 replies/s, against 1).
        env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "2")
        env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
        return env

    def check(self) -> None:
        if not self.rasa.exists():
            raise FileNotFoundError(
                f"the Rasa environment is missing ({self.rasa}); run `make install` first"
            )


def _files(root: Path, relative: str) -> list[Path]:
    path = root / relative
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return []


def training_fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for relative in TRAINING_INPUTS:
        for path in _files(root, relative):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def model_path(root: Path) -> Path:
    return root / "models" / f"{MODEL_NAME}.tar.gz"


def _fingerprint_path(root: Path) -> Path:
    return root / "models" / f"{MODEL_NAME}.fingerprint"


def model_is_current(root: Path) -> bool:
    stamp = _fingerprint_path(root)
    return (
        model_path(root).exists()
        and stamp.exists()
        and stamp.read_text().strip() == training_fingerprint(root)
    )


def build_spacy_pipeline(rasa_env: RasaEnvironment) -> None:
    rasa_env.check()
    run_logged(
        [str(rasa_env.python), "-m", "clinic_nlu.components.spacy_pipeline", str(SPACY_PATTERNS),
         str(SPACY_PIPELINE)],
        cwd=rasa_env.root, env=rasa_env.env(), log_path=rasa_env.root / SPACY_LOG,
        progress=lambda line: line if line.startswith("spaCy pipeline") else None,
        what="building the spaCy pipeline",
    )  # fmt: skip


def train(rasa_env: RasaEnvironment, force: bool = False) -> Path:
    """Train the model unless the current one was trained from the same inputs.

    A lock file keeps two commands (say, the run command and the tests) from training at once.
    """
    root = rasa_env.root
    (root / "models").mkdir(exist_ok=True)
    with open(root / "models" / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _train_locked(rasa_env, force)


def _train_locked(rasa_env: RasaEnvironment, force: bool) -> Path:
    root = rasa_env.root
    build_spacy_pipeline(rasa_env)
    if model_is_current(root) and not force:
        print(f"Model is up to date: {model_path(root)}", file=sys.stderr)
        return model_path(root)
    fingerprint = training_fingerprint(root)
    print(f"Training the model (a minute or two; full log: {TRAIN_LOG})...", file=sys.stderr)
    run_logged(
        rasa_env.train_command(
            "--fixed-model-name", MODEL_NAME, "--out", "models", "--config", "config.yml",
            "--domain", "domain.yml", "--data", *[d for d in TRAINING_DATA if (root / d).exists()],
        ),
        cwd=root, env=rasa_env.env(), log_path=root / TRAIN_LOG, progress=training_progress,
        what="training",
    )  # fmt: skip
    _fingerprint_path(root).write_text(fingerprint + "\n")
    return model_path(root)
