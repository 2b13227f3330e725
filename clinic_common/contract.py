"""The reply contract of DESIGN.md: the ``custom`` object every reply to a patient carries.

The widget, the staff console and the evaluations all read this object, so its field names are
fixed: fields may be added, never renamed. Defined once here, in the standard library only, so
the product (``.venv``) and the Rasa side (``.venv-rasa``) build and check the same shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
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


class TriageLevel(StrEnum):
    """The four triage levels of triage-reference.md, ordered from least to most urgent: a
    higher level always wins. Members are strings, so they go into JSON and the database as
    they are; comparisons follow urgency, not the alphabet."""

    NONE = "none"
    ROUTINE_FOLLOWUP = "routine_followup"
    CONTACT_TEAM_TODAY = "contact_team_today"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return _LEVEL_ORDER.index(self)

    @property
    def urgent(self) -> bool:
        """Same day or emergency: the levels that alert staff and stay with the conversation."""
        return self.rank >= _LEVEL_ORDER.index(TriageLevel.CONTACT_TEAM_TODAY)

    def __lt__(self, other: str) -> bool:
        return self.rank < TriageLevel(other).rank

    def __le__(self, other: str) -> bool:
        return self.rank <= TriageLevel(other).rank

    def __gt__(self, other: str) -> bool:
        return self.rank > TriageLevel(other).rank

    def __ge__(self, other: str) -> bool:
        return self.rank >= TriageLevel(other).rank


_LEVEL_ORDER = tuple(TriageLevel)
# The level names, least urgent first (for templates, JSON schemas and tables).
TRIAGE_LEVELS: tuple[str, ...] = tuple(level.value for level in TriageLevel)
URGENT_LEVELS: tuple[str, ...] = tuple(level.value for level in TriageLevel if level.urgent)


def rank(level: str) -> int:
    """How urgent a level name is: 0 for none up to 3 for emergency (ValueError if unknown)."""
    return TriageLevel(level).rank


def most_urgent(levels: Iterable[str]) -> TriageLevel:
    """The most urgent of the given level names (none when there are none)."""
    return max((TriageLevel(level) for level in levels), default=TriageLevel.NONE)


# How far an answer's content has been checked: against its source only, or signed off by a
# clinician. An answer that still needs clinical review carries a ``notice`` for the patient.
REVIEW_STATUSES = ("needs_clinical_review", "source_verified", "clinically_approved")
NEEDS_REVIEW = "needs_clinical_review"


@dataclass(frozen=True)
class Triage:
    level: str = "none"
    reason: str = ""

    def __post_init__(self) -> None:
        # Raises ValueError for an unknown level; stored as the plain name.
        object.__setattr__(self, "level", TriageLevel(self.level).value)

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
