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

    def as_dict(self) -> dict[str, str]:
        return {"publisher": self.publisher, "document": self.document, "title": self.title}


def reply_custom(
    *,
    topic: str,
    answer_id: str,
    sources: Iterable[SourceRef],
    triage: Triage,
    **extra: Any,
) -> dict[str, Any]:
    """The ``custom`` object for one reply; ``extra`` adds fields beside the fixed ones."""
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}")
    return {
        "topic": topic,
        "answer_id": answer_id,
        "sources": [source.as_dict() for source in sources],
        "triage": triage.as_dict(),
        **extra,
    }
