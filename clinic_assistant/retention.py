"""The retention job: conversations idle for longer than the retention period are deleted.

A conversation's last activity is its newest event in the tracker store or turn in the
console's index. Deleted: the transcript (tracker events), the turn index, staff reviews and
resolved flags with their history. A conversation with a flag still open or acknowledged is
kept whatever its age: a nurse has not finished with it. Each run records what it deleted in
the audit log (counts only, no patient text).

Run it daily: ``python -m clinic_assistant retention`` (CLINIC_RETENTION_DAYS, or --days);
deploy/kubernetes/jobs.yaml has it as a CronJob.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from clinic_assistant.db import Database
from clinic_assistant.db.models import AuditEvent
from clinic_assistant.db.repositories import AuditRepository, RetentionRepository
from clinic_assistant.live.chats import LiveChats
from clinic_assistant.transcripts import TrackerRetention

ACTOR = "retention job"


@dataclass
class RetentionReport:
    days: int
    cutoff: datetime
    conversations: int = 0
    kept_for_open_flags: int = 0
    events: int = 0
    deleted: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        counts = ", ".join(f"{n} {name}" for name, n in self.deleted.items())
        return (
            f"Retention ({self.days} days, idle since before {self.cutoff:%Y-%m-%d %H:%M} UTC): "
            f"{verb} {self.conversations} conversations ({self.events} tracker events"
            f"{', ' + counts if counts else ''}); kept {self.kept_for_open_flags} with an "
            "unresolved flag."
        )


def idle_conversations(activity: list[dict[str, datetime]], cutoff: datetime) -> list[str]:
    """The conversations whose newest activity, in any of the stores, is before ``cutoff``."""
    newest: dict[str, datetime] = {}
    for store in activity:
        for conversation, at in store.items():
            newest[conversation] = max(at, newest.get(conversation, at))
    return sorted(c for c, at in newest.items() if at < cutoff)


def run_retention(
    database: Database,
    tracker: TrackerRetention,
    days: int,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
) -> RetentionReport:
    if days <= 0:
        raise ValueError("the retention period must be at least one day")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    report = RetentionReport(days=days, cutoff=cutoff, dry_run=dry_run)
    with database.unit_of_work() as session:
        repository = RetentionRepository(session)
        idle = idle_conversations([tracker.last_activity(), repository.last_turns()], cutoff)
        kept = repository.with_unresolved_flags()
        doomed = [c for c in idle if c not in kept]
        report.kept_for_open_flags = len(idle) - len(doomed)
        report.conversations = len(doomed)
        if dry_run or not doomed:
            return report
        # The transcript first: if the rest fails, the next run finds the conversation again
        # through its turns and finishes the job.
        report.events = tracker.delete(doomed)
        report.deleted = repository.delete(doomed)
        # A nurse's live chat lines go with the transcript they belong to.
        LiveChats(session).forget(doomed)
        target = f"{len(doomed)} conversations"
        event = AuditEvent(actor=ACTOR, action="retention_deleted", target=target,
                           detail=report.summary())  # fmt: skip
        AuditRepository(session).add(event)
    return report
