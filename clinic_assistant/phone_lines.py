"""Which number a patient who must call today should ring now: the team's day line or the
out-of-hours line.

The day line's opening times are a setting (``CLINIC_TEAM_LINE_OPEN``, e.g.
``Mon-Fri 09:00-17:00; Sat 09:00-12:00``, or ``always``). Left empty, the assistant cannot
tell whether the line is open, so it gives both numbers rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SPAN = re.compile(
    r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<opens>\d{1,2}:\d{2})-(?P<closes>\d{1,2}:\d{2})$"
)
UNSET_OUT_OF_HOURS = "the out-of-hours number your team gave you"


@dataclass(frozen=True)
class OpeningSpan:
    days: frozenset[int]
    opens: time
    closes: time

    def covers(self, moment: datetime) -> bool:
        return moment.weekday() in self.days and self.opens <= moment.time() < self.closes


@dataclass(frozen=True)
class OpeningHours:
    """When the team's day line answers; ``known`` is False when nobody said."""

    spans: tuple[OpeningSpan, ...] = ()
    always: bool = False

    @property
    def known(self) -> bool:
        return self.always or bool(self.spans)

    def is_open(self, moment: datetime) -> bool:
        return self.always or any(span.covers(moment) for span in self.spans)


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    return time(23, 59, 59) if (hours, minutes) == (24, 0) else time(hours, minutes)


def parse_opening_hours(text: str) -> OpeningHours:
    """``Mon-Fri 09:00-17:00; Sat 10:00-12:00``, ``always``, or "" (not known)."""
    text = text.strip().lower()
    if not text:
        return OpeningHours()
    if text in ("always", "24/7"):
        return OpeningHours(always=True)
    spans = []
    for part in re.split(r"[;,]", text):
        match = SPAN.match(part.strip())
        if not match or match["first"] not in DAYS or (match["last"] or "mon") not in DAYS:
            raise ValueError(
                f"CLINIC_TEAM_LINE_OPEN: cannot read {part.strip()!r}; write e.g. "
                "'Mon-Fri 09:00-17:00; Sat 09:00-12:00' or 'always'"
            )
        first = DAYS.index(match["first"])
        last = DAYS.index(match["last"]) if match["last"] else first
        days = (
            frozenset(range(first, last + 1))
            if first <= last
            else frozenset([*range(first, 7), *range(0, last + 1)])
        )
        spans.append(OpeningSpan(days, _clock(match["opens"]), _clock(match["closes"])))
    return OpeningHours(spans=tuple(spans))


def urgent_phone(
    team_phone: str,
    team_hours: str,
    out_of_hours_phone: str,
    opening: OpeningHours,
    timezone: str,
    now: datetime | None = None,
) -> str:
    """The number(s) to ring now, as a phrase that follows "call your surgical team now on"."""
    after_hours = f"{out_of_hours_phone} (the out-of-hours line)" if out_of_hours_phone else (
        UNSET_OUT_OF_HOURS
    )  # fmt: skip
    if not opening.known:
        # Better two numbers than the one that may ring out at night.
        return f"{team_phone} ({team_hours}) or, at other times, {after_hours}"
    moment = (now or datetime.now(ZoneInfo(timezone))).astimezone(ZoneInfo(timezone))
    return team_phone if opening.is_open(moment) else after_hours
