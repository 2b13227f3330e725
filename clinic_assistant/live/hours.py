"""Whether nurses can join a chat now: the team's hours from the settings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from clinic_assistant.phone_lines import parse_opening_hours
from clinic_assistant.settings import ClinicDetails


def nurses_available(clinic: ClinicDetails, now: datetime | None = None) -> bool:
    """Inside ``CLINIC_TEAM_LINE_OPEN``. Not set: the clinic has not said when the team is in,
    so the patient may wait (the reply to their request always offers the call back too)."""
    opening = parse_opening_hours(clinic.team_line_open)
    if not opening.known:
        return True
    moment = (now or datetime.now(ZoneInfo(clinic.timezone))).astimezone(ZoneInfo(clinic.timezone))
    return opening.is_open(moment)
