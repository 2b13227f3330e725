"""Model releases: the live model, candidates, and the models kept to roll back to.

The live model is the file every Rasa server starts from (``CLINIC_LIVE_MODEL``,
``models/clinic.tar.gz``); every release, the first live one included, is kept as a file of its
own in ``CLINIC_RELEASES_DIR``. Activating a release loads it on every Rasa server through
Rasa's HTTP API (``PUT /model``, no restart: conversations carry on, each message is answered
by the model loaded when it arrived), then makes it the file a server that restarts loads.

A candidate that measures worse than the live model beyond the tolerance
(``CLINIC_RELEASE_TOLERANCE``, in points of the share of messages) on the frozen test split or
the yardstick, or that makes triage less cautious for any message of the frozen triage set,
cannot be activated without a written reason.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_assistant.db.models import ModelRelease, utcnow
from clinic_assistant.db.repositories import required

LEVELS = ("", "none", "routine_followup", "contact_team_today", "emergency")
SETS = (("frozen", "frozen test split"), ("yardstick", "real-world yardstick"))
# Loading a model takes tens of seconds on a busy machine.
LOAD_TIMEOUT = 600


class ReleaseError(RuntimeError):
    """A release step that did not happen; the message says why."""


def fingerprint_path(live_model: Path) -> Path:
    """The training-inputs stamp beside the live model (clinic_assistant.runtime.model)."""
    return live_model.parent / (live_model.name.removesuffix(".tar.gz") + ".fingerprint")


def copy_atomically(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".model-", delete=False) as out:
        temporary = Path(out.name)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


class ReleaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, release_id: int) -> ModelRelease | None:
        return self.session.get(ModelRelease, release_id)

    def require(self, release_id: int) -> ModelRelease:
        """A release the worker is handling, which must exist (LookupError otherwise)."""
        return required(self.session.get(ModelRelease, release_id), "model release", release_id)

    def all(self) -> list[ModelRelease]:
        query = select(ModelRelease).order_by(ModelRelease.id.desc())
        return list(self.session.scalars(query))

    def with_status(self, *statuses: str) -> list[ModelRelease]:
        query = select(ModelRelease).where(ModelRelease.status.in_(statuses))
        return list(self.session.scalars(query.order_by(ModelRelease.id.desc())))

    def live(self) -> ModelRelease | None:
        found = self.with_status("live")
        return found[0] if found else None

    def hold(self) -> None:
        """Lock the releases until this unit of work ends, so that two admins starting a job at
        once take turns (PostgreSQL: row locks; SQLite runs one unit of work at a time)."""
        self.session.execute(select(ModelRelease.id).with_for_update())

    def busy(self) -> ModelRelease | None:
        """A release being trained or activated (one thing at a time)."""
        found = self.with_status("training", "activating")
        return found[0] if found else None

    def rollback_target(self) -> ModelRelease | None:
        """The model that was live before the live one."""
        previous = [r for r in self.with_status("previous") if r.activated_at is not None]
        return max(previous, key=lambda r: r.activated_at.timestamp() if r.activated_at else 0.0,
                   default=None)  # fmt: skip

    def register_live(self, live_model: Path, releases_dir: Path) -> ModelRelease:
        """The live model as a release of its own (kept to roll back to), once."""
        live = self.live()
        if live is not None:
            return live
        if not live_model.exists():
            raise ReleaseError(f"there is no live model at {live_model}")
        release = ModelRelease(file="", status="live", started_by="", config="",
                               progress="The model the servers started with",
                               progress_percent=100, activated_at=utcnow(),
                               finished_at=utcnow())  # fmt: skip
        stamp = fingerprint_path(live_model)
        release.fingerprint = stamp.read_text().strip() if stamp.exists() else ""
        self.session.add(release)
        self.session.flush()
        kept = releases_dir / f"release-{release.id}.tar.gz"
        copy_atomically(live_model, kept)
        release.file = str(kept)
        return release


# ---------------------------------------------------------------------------------- comparison
@dataclass(frozen=True)
class TopicRow:
    topic: str
    live: dict
    candidate: dict


@dataclass(frozen=True)
class SetComparison:
    name: str
    label: str
    live: dict
    candidate: dict
    changed_messages: int
    rows: list[TopicRow] = field(default_factory=list)

    def delta(self, key: str) -> float:
        return self.candidate[key] - self.live[key]


@dataclass(frozen=True)
class Comparison:
    sets: list[SetComparison]
    triage_messages: int
    triage_less_cautious: int
    triage_more_cautious: int
    tolerance: float

    @property
    def reasons_worse(self) -> list[str]:
        """What makes the candidate worse than the live model beyond the tolerance."""
        found = []
        for measured in self.sets:
            if measured.delta("right") < -self.tolerance:
                found.append(f"{measured.label}: right topic {measured.delta('right'):+.1%}")
            if measured.delta("wrong") > self.tolerance:
                found.append(f"{measured.label}: wrong topic {measured.delta('wrong'):+.1%}")
        if self.triage_less_cautious:
            found.append(f"triage less cautious for {self.triage_less_cautious} of "
                         f"{self.triage_messages} messages of the frozen triage set")  # fmt: skip
        return found

    @property
    def worse(self) -> bool:
        return bool(self.reasons_worse)


def _triage_rank(signal: list) -> tuple[int, bool]:
    level, symptom = signal
    return LEVELS.index(level) if level in LEVELS else 0, bool(symptom)


def compare(live: dict, candidate: dict, tolerance: float) -> Comparison:
    sets = []
    for name, label in SETS:
        before, after = live.get(name) or {}, candidate.get(name) or {}
        if not before or not after:
            continue
        topics = sorted(set(before["per_topic"]) | set(after["per_topic"]))
        rows = [TopicRow(t, before["per_topic"].get(t, {}), after["per_topic"].get(t, {}))
                for t in topics]  # fmt: skip
        changed = sum(a != b for a, b in zip(before["decided"], after["decided"], strict=False))
        sets.append(SetComparison(name, label, before, after, changed, rows))
    less = more = 0
    for old, new in zip(live.get("triage") or [], candidate.get("triage") or [], strict=False):
        old_rank, new_rank = _triage_rank(old), _triage_rank(new)
        # Less cautious: a lower level, or no longer read as a symptom report.
        if new_rank[0] < old_rank[0] or (old_rank[1] and not new_rank[1]):
            less += 1
        elif new_rank != old_rank:
            more += 1
    return Comparison(sets, len(live.get("triage") or []), less, more, tolerance)


# ---------------------------------------------------------------------------------- activation
@dataclass(frozen=True)
class RasaServers:
    """Every Rasa server of the deployment, reached with the HTTP API token."""

    urls: tuple[str, ...]
    token: str

    def load(self, model_file: Path) -> None:
        """Load the model on every server, one after the other; on any failure, raise naming
        each server that failed.

        One at a time: a loading server goes on answering with its old model (the load runs
        in a thread: clinic_nlu.server.activation), but loading takes its CPU for 10-20 s, so
        the other servers answer at full speed meanwhile.
        """
        if not self.token:
            raise ReleaseError("RASA_API_TOKEN is not set: the web app cannot reach Rasa's API")
        outcomes = [self._load_one(url, model_file) for url in self.urls]
        failed = [f"{url}: {error}" for url, error in zip(self.urls, outcomes, strict=True)
                  if error]  # fmt: skip
        if failed:
            raise ReleaseError("; ".join(failed))

    def _load_one(self, url: str, model_file: Path) -> str:
        try:
            response = requests.put(f"{url}/model", params={"token": self.token},
                                    json={"model_file": str(model_file)},
                                    timeout=LOAD_TIMEOUT)  # fmt: skip
        except requests.RequestException as error:
            return f"not reachable ({error.__class__.__name__})"
        if response.status_code != 204:
            return f"HTTP {response.status_code} {response.text[:200]}"
        return ""
