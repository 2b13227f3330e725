"""The reply contract of DESIGN.md: the ``custom`` object every reply to a patient carries.

The widget, the staff console and the evaluations all read this object, so its field names are
fixed: fields may be added, never renamed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

TOPICS = (
    "what_is",
    "option_tissue_rearrangement",
    "option_reduction_reshaping",
    "option_symmetry_other_breast",
    "option_flap",
    "option_implant",
    "option_fat_grafting",
    "timing",
    "radiation",
    "risks",
    "recovery",
    "preparation_team",
    "margins_more_surgery",
    "recurrence_treatment",
    "prognosis",
    "greeting_smalltalk",
    "out_of_scope",
    "red_flag",
    "needs_surgeon_decision",
    "fallback",
)

# Ordered from least to most urgent: a higher level always wins.
TRIAGE_LEVELS = ("none", "routine_followup", "contact_team_today", "emergency")

# How far an answer's content has been checked: against its source only, or signed off by a
# clinician. An answer that still needs clinical review carries a ``notice`` for the patient.
REVIEW_STATUSES = ("needs_clinical_review", "source_verified", "clinically_approved")
NEEDS_REVIEW = "needs_clinical_review"


@dataclass(frozen=True)
class Triage:
    level: str = "none"
    reason: str = ""

    def __post_init__(self) -> None:
        if self.level not in TRIAGE_LEVELS:
            raise ValueError(f"unknown triage level {self.level!r}")

    def as_dict(self) -> dict[str, str]:
        return {"level": self.level, "reason": self.reason}


@dataclass(frozen=True)
class SourceRef:
    publisher: str
    document: str
    title: str
    # What the publisher is, where its name alone could mislead ("AI-generated summary
    # written for doctors" beside "Dr.Oracle"); only present when there is something to say.
    description: str = ""

    def as_dict(self) -> dict[str, str]:
        ref = {"publisher": self.publisher, "document": self.document, "title": self.title}
        return {**ref, "description": self.description} if self.description else ref


def reply_custom(
    *,
    topic: str,
    answer_id: str,
    sources: Iterable[SourceRef],
    triage: Triage,
    review_status: str = "",
    notice: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """The ``custom`` object for one reply; ``extra`` adds fields beside the fixed ones.

    ``review_status`` is the answer's (none for a system reply); ``notice`` is one sentence the
    widget shows under the answer, given while the answer awaits a clinician's review.
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}")
    if review_status and review_status not in REVIEW_STATUSES:
        raise ValueError(f"unknown review status {review_status!r}")
    return {
        "topic": topic,
        "answer_id": answer_id,
        "sources": [source.as_dict() for source in sources],
        "triage": triage.as_dict(),
        **({"review_status": review_status} if review_status else {}),
        **({"notice": notice} if notice else {}),
        **extra,
    }
