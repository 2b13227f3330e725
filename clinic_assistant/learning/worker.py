"""Training and activation in the background, one job at a time, for the staff console.

The web app starts the worker with itself and stops it on shutdown (a training run in
progress is stopped, and its release marked failed). Each job writes what it is doing to its
release row, which the console's models page shows while it refreshes.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy.orm import Session

from clinic_assistant.db import Database
from clinic_assistant.db.models import ModelRelease, utcnow
from clinic_assistant.learning.releases import (
    RasaServers,
    ReleaseError,
    ReleaseRepository,
    compare,
    copy_atomically,
    fingerprint_path,
)
from clinic_assistant.learning.reviewed import ReviewedFile
from clinic_assistant.runtime.model import TRAINING_DATA, RasaEnvironment, training_fingerprint
from clinic_assistant.settings import Settings
from clinic_assistant.web.security import audit

FINISHED_COMPONENT = re.compile(r"Finished training component '([^']+)'")
STARTED_COMPONENT = re.compile(r"Starting to train component '([^']+)'")


class Busy(ReleaseError):
    """Something is being trained or activated already."""


@dataclass
class ReleaseRequest:
    release_id: int
    staff: str
    address: str


@dataclass(frozen=True)
class Job:
    """Background work claimed in a unit of work: submit it once that has committed."""

    release_id: int
    run: Callable[[], None]


class LearningWorker:
    def __init__(self, settings: Settings, database: Database, servers: RasaServers) -> None:
        self.settings = settings
        self.database = database
        self.servers = servers
        self.rasa_env = RasaEnvironment.of(settings)
        self._jobs = ThreadPoolExecutor(max_workers=1, thread_name_prefix="learning")
        self._process: subprocess.Popen | None = None
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ starting jobs
    # A job is claimed in the caller's unit of work (the console request's: the check, the
    # release row and the audit entry commit together) and submitted once that has committed,
    # so the job always finds its release row.
    def claim_training(self, session: Session, staff: str, address: str = "") -> Job:
        releases = self._claim(session)
        # The model the servers run now is kept as a release of its own to roll back to.
        releases.register_live(self.settings.live_model, self.settings.releases_dir)
        release = ModelRelease(file="", status="training", started_by=staff,
                               config=str(self.settings.training_config),
                               progress="Waiting to start", progress_percent=0)  # fmt: skip
        session.add(release)
        session.flush()
        audit(session, staff, "model_training_started", f"release {release.id}",
              f"configuration {self.settings.training_config.name}", address)  # fmt: skip
        request = ReleaseRequest(release.id, staff, address)
        return Job(release.id, partial(self._train, request))

    def claim_activation(self, session: Session, release_id: int, staff: str, reason: str,
                         address: str = "", rollback: bool = False) -> Job:  # fmt: skip
        """Check the gate now (the admin sees a refusal at once); the job loads the model."""
        releases = self._claim(session)
        release = releases.get(release_id)
        allowed = ("previous",) if rollback else ("candidate",)
        if release is None or release.status not in allowed:
            raise ReleaseError("that model cannot be activated now")
        live = releases.live()
        if not rollback and live is not None:
            comparison = compare(live.evaluation, release.evaluation,
                                 self.settings.release_tolerance)  # fmt: skip
            if comparison.worse and not reason.strip():
                raise ReleaseError(
                    "this candidate measures worse than the live model ("
                    + "; ".join(comparison.reasons_worse)
                    + "): activating it needs a written reason"
                )
        release.status = "activating"
        release.progress, release.progress_percent = "Loading on every Rasa server", 10
        release.activation_reason = reason.strip()[:2000]
        action = "model_rollback_started" if rollback else "model_activation_started"
        audit(session, staff, action, f"release {release.id}", release.activation_reason,
              address)  # fmt: skip
        request = ReleaseRequest(release_id, staff, address)
        return Job(release_id, partial(self._activate, request, rollback))

    def claim_rollback(self, session: Session, staff: str, address: str = "") -> Job:
        target = ReleaseRepository(session).rollback_target()
        if target is None:
            raise ReleaseError("there is no earlier model to roll back to")
        return self.claim_activation(session, target.id, staff,
                                     "roll back to the model live before", address,
                                     rollback=True)  # fmt: skip

    def discard(self, session: Session, release_id: int, staff: str, address: str = "") -> None:
        release = self._claim(session).get(release_id)
        if release is None or release.status not in ("candidate", "failed"):
            raise ReleaseError("only a candidate that is not live can be discarded")
        release.status = "discarded"
        if release.file:
            Path(release.file).unlink(missing_ok=True)
        audit(session, staff, "model_discarded", f"release {release.id}", "", address)

    @staticmethod
    def _claim(session: Session) -> ReleaseRepository:
        """The releases, held until the unit of work ends (one thing at a time)."""
        releases = ReleaseRepository(session)
        releases.hold()
        if releases.busy():
            raise Busy("a model is being trained or activated: wait until it has finished")
        return releases

    def submit(self, job: Job) -> None:
        """Run a claimed job in the background, once its unit of work has committed."""
        self._jobs.submit(job.run)

    def start(self, claim: Callable[[Session], Job]) -> int:
        """Claim a job in a unit of work of its own and run it (outside a console request)."""
        with self.database.unit_of_work() as session:
            job = claim(session)
        self.submit(job)
        return job.release_id

    def start_activation(self, release_id: int, staff: str, reason: str,
                         address: str = "") -> int:  # fmt: skip
        return self.start(lambda s: self.claim_activation(s, release_id, staff, reason, address))

    def rollback(self, staff: str, address: str = "") -> int:
        return self.start(lambda s: self.claim_rollback(s, staff, address))

    def recover(self) -> None:
        """A job the web app was doing when it stopped will not finish: say so."""
        with self.database.unit_of_work() as session:
            for release in ReleaseRepository(session).with_status("training", "activating"):
                was_activating = release.status == "activating"
                release.status = "candidate" if was_activating and release.evaluation else "failed"
                release.error = "the web app stopped before this finished"
                release.progress = "Interrupted"

    def close(self) -> None:
        self._stopping.set()
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self._jobs.shutdown(wait=True, cancel_futures=True)

    # ------------------------------------------------------------------ the jobs
    def _progress(self, release_id: int, text: str, percent: int, **values) -> None:
        with self.database.unit_of_work() as session:
            release = ReleaseRepository(session).require(release_id)
            release.progress, release.progress_percent = text, percent
            for name, value in values.items():
                setattr(release, name, value)

    def _fail(self, request: ReleaseRequest, error: str, action: str, status: str) -> None:
        with self.database.unit_of_work() as session:
            release = ReleaseRepository(session).require(request.release_id)
            release.status, release.error, release.finished_at = status, error[-4000:], utcnow()
            release.progress = "Failed"
            audit(session, request.staff, action, f"release {release.id}", error[-500:],
                  request.address)  # fmt: skip

    def _train(self, request: ReleaseRequest) -> None:
        try:
            self._train_and_evaluate(request)
        except Exception as error:  # the console shows it; the next run starts clean
            self._fail(request, str(error), "model_training_failed", "failed")

    def _train_and_evaluate(self, request: ReleaseRequest) -> None:
        settings, release_id = self.settings, request.release_id
        self._progress(release_id, "Writing the reviewed examples", 2)
        with self.database.unit_of_work() as session:
            written = ReviewedFile(settings.reviewed_nlu, settings.root).write(session)
        fingerprint = training_fingerprint(settings.root)
        self._progress(
            release_id,
            "Training: validating the data",
            5,
            reviewed_examples=written,
            fingerprint=self._fingerprint(fingerprint),
        )
        started = time.monotonic()
        model = self._run_training(release_id)
        seconds = time.monotonic() - started
        self._progress(release_id, "Measuring the candidate", 75, file=str(model),
                       training_seconds=round(seconds, 1))  # fmt: skip
        evaluation = self._evaluate(model)
        self._ensure_live_measured(release_id)
        with self.database.unit_of_work() as session:
            release = ReleaseRepository(session).require(release_id)
            release.evaluation, release.status = evaluation, "candidate"
            release.progress, release.progress_percent = "Ready to compare", 100
            release.finished_at = utcnow()
            audit(session, request.staff, "model_training_finished", f"release {release_id}",
                  f"{seconds:.0f} s, {written} reviewed examples", request.address)  # fmt: skip

    def _fingerprint(self, fingerprint: str) -> str:
        """The stamp `make train` compares, when this is what `make train` would build."""
        settings = self.settings
        default_config = settings.training_config.resolve() == (settings.root / "config.yml")
        inside = settings.reviewed_nlu.resolve().is_relative_to(settings.root / "data" / "nlu")
        return fingerprint if default_config and inside else ""

    def _training_command(self, release_id: int) -> list[str]:
        settings, root = self.settings, self.settings.root
        data = [str(root / d) for d in TRAINING_DATA if (root / d).exists()]
        reviewed = settings.reviewed_nlu.resolve()
        if reviewed.exists() and not reviewed.is_relative_to(root / "data" / "nlu"):
            data.append(str(reviewed))
        return self.rasa_env.train_command(
            "--fixed-model-name", f"candidate-{release_id}", "--out", str(settings.releases_dir),
            "--config", str(settings.training_config), "--domain", str(root / "domain.yml"),
            "--data", *data,
        )  # fmt: skip

    def _run_training(self, release_id: int) -> Path:
        self.settings.releases_dir.mkdir(parents=True, exist_ok=True)
        expected = self._expected_components()
        finished, output = 0, list[str]()
        process = subprocess.Popen(
            self._training_command(release_id), cwd=self.settings.root,
            env={**self.rasa_env.env(), "TQDM_DISABLE": "1"}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self._process = process
        assert process.stdout is not None  # stdout=PIPE
        for line in process.stdout:
            output = [*output[-59:], line]
            if found := STARTED_COMPONENT.search(line):
                percent = 10 + int(60 * finished / expected)
                self._progress(release_id, f"Training: {found.group(1)}", min(percent, 70))
            elif FINISHED_COMPONENT.search(line):
                finished += 1
        self._process = None
        if process.wait() != 0 or self._stopping.is_set():
            raise ReleaseError("training stopped:\n" + "".join(output))
        return self.settings.releases_dir / f"candidate-{release_id}.tar.gz"

    def _expected_components(self) -> int:
        import yaml

        config = yaml.safe_load(self.settings.training_config.read_text())
        return max(len(config.get("pipeline") or []) + len(config.get("policies") or []), 1)

    def _evaluate(self, model: Path) -> dict:
        out = self.settings.releases_dir / f"{model.name.removesuffix('.tar.gz')}.evaluation.json"
        command = [str(self.rasa_env.python), "-m", "clinic_nlu.evaluation.candidate",
                   str(model), "--root", str(self.settings.root), "--out", str(out)]  # fmt: skip
        process = subprocess.Popen(
            command,
            cwd=self.settings.root,
            env=self.rasa_env.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._process = process
        output, _ = process.communicate()
        self._process = None
        if process.returncode != 0 or self._stopping.is_set():
            raise ReleaseError("measuring the model failed:\n" + output[-3000:])
        return json.loads(out.read_text())

    def _ensure_live_measured(self, release_id: int) -> None:
        """The live model's figures on the same sets (once per live model)."""
        with self.database.unit_of_work() as session:
            live = ReleaseRepository(session).live()
            if live is None:
                raise LookupError("no live model is registered")
            live_id, file, measured = live.id, live.file, bool(live.evaluation)
        if measured:
            return
        self._progress(release_id, "Measuring the live model on the same sets", 88)
        evaluation = self._evaluate(Path(file))
        with self.database.unit_of_work() as session:
            ReleaseRepository(session).require(live_id).evaluation = evaluation

    def _activate(self, request: ReleaseRequest, rollback: bool) -> None:
        try:
            self._load_everywhere(request, rollback)
        except Exception as error:
            with self.database.unit_of_work() as session:
                release = ReleaseRepository(session).require(request.release_id)
                release.status = "previous" if rollback else "candidate"
                release.error, release.progress = str(error)[-4000:], "Activation failed"
                audit(session, request.staff, "model_activation_failed",
                      f"release {release.id}", str(error)[-500:], request.address)  # fmt: skip

    def _load_everywhere(self, request: ReleaseRequest, rollback: bool) -> None:
        with self.database.unit_of_work() as session:
            releases = ReleaseRepository(session)
            release, live = releases.require(request.release_id), releases.live()
            file, fingerprint = Path(release.file), release.fingerprint
            live_file = Path(live.file) if live is not None else None
        try:
            self.servers.load(file)
        except ReleaseError:
            # Some servers may have the new model: every server goes back to the live one.
            if live_file is not None:
                self.servers.load(live_file)
            raise
        # A server that restarts loads the live model file: make it this one.
        copy_atomically(file, self.settings.live_model)
        stamp = fingerprint_path(self.settings.live_model)
        if fingerprint:
            stamp.write_text(fingerprint + "\n")
        else:
            stamp.unlink(missing_ok=True)
        with self.database.unit_of_work() as session:
            releases = ReleaseRepository(session)
            for old in releases.with_status("live"):
                old.status = "previous"
            release = releases.require(request.release_id)
            release.status, release.error = "live", ""
            release.activated_by, release.activated_at = request.staff, utcnow()
            release.progress, release.progress_percent = "Live on every Rasa server", 100
            action = "model_rolled_back" if rollback else "model_activated"
            audit(session, request.staff, action, f"release {release.id}",
                  f"servers: {', '.join(self.servers.urls)}; reason: "
                  f"{release.activation_reason or '-'}", request.address)  # fmt: skip
