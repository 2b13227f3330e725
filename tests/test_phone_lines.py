"""The number a patient who must call today is given: the day line while it is open, the
out-of-hours line when it is not, and both when the clinic has not said when it is open."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from clinic_assistant.phone_lines import parse_opening_hours
from clinic_assistant.settings import Settings

LONDON = ZoneInfo("Europe/London")
LINES = {
    "CLINIC_TEAM_PHONE": "01632 960 123",
    "CLINIC_TEAM_HOURS": "Monday to Friday, 9am to 5pm",
    "CLINIC_OUT_OF_HOURS_PHONE": "01632 960 999",
    "CLINIC_TEAM_LINE_OPEN": "Mon-Fri 09:00-17:00",
}


def _phone(moment: datetime, **changes: str) -> str:
    return Settings.from_env(LINES | changes).clinic.urgent_phone(moment)


@pytest.mark.parametrize(
    ("moment", "number"),
    [
        (datetime(2026, 12, 1, 10, 30, tzinfo=LONDON), "01632 960 123"),  # Tuesday morning
        (datetime(2026, 12, 1, 16, 59, tzinfo=LONDON), "01632 960 123"),
        (datetime(2026, 12, 1, 17, 0, tzinfo=LONDON), "01632 960 999 (the out-of-hours line)"),
        (datetime(2026, 12, 2, 3, 0, tzinfo=LONDON), "01632 960 999 (the out-of-hours line)"),
        (datetime(2026, 12, 5, 11, 0, tzinfo=LONDON), "01632 960 999 (the out-of-hours line)"),
    ],
)
def test_the_number_given_is_the_one_that_answers_at_that_time(
    moment: datetime, number: str
) -> None:
    assert _phone(moment) == number


def test_the_time_is_the_clinics_own_whatever_the_servers_zone() -> None:
    # 08:30 in New York is 13:30 in London: the day line is open.
    moment = datetime(2026, 12, 1, 8, 30, tzinfo=ZoneInfo("America/New_York"))
    assert _phone(moment) == "01632 960 123"
    assert _phone(moment, CLINIC_TIMEZONE="America/New_York").endswith("(the out-of-hours line)")


def test_without_opening_times_both_numbers_are_given_with_the_day_lines_hours() -> None:
    moment = datetime(2026, 12, 1, 10, 30, tzinfo=LONDON)
    assert _phone(moment, CLINIC_TEAM_LINE_OPEN="") == (
        "01632 960 123 (Monday to Friday, 9am to 5pm) or, at other times, 01632 960 999 "
        "(the out-of-hours line)"
    )


def test_without_an_out_of_hours_number_the_patient_is_pointed_to_the_one_they_were_given() -> None:
    moment = datetime(2026, 12, 1, 22, 0, tzinfo=LONDON)
    phone = _phone(moment, CLINIC_OUT_OF_HOURS_PHONE="")
    assert phone == "the out-of-hours number your team gave you"


def test_a_line_open_day_and_night_is_always_the_team_number() -> None:
    moment = datetime(2026, 12, 6, 3, 0, tzinfo=LONDON)
    assert _phone(moment, CLINIC_TEAM_LINE_OPEN="always") == "01632 960 123"


def test_several_spans_and_days_that_wrap_round_the_week() -> None:
    hours = parse_opening_hours("Sat-Mon 10:00-12:00; Wed 09:00-24:00")
    assert hours.is_open(datetime(2026, 12, 6, 11, 0))  # Sunday
    assert hours.is_open(datetime(2026, 12, 2, 23, 30))  # Wednesday night
    assert not hours.is_open(datetime(2026, 12, 1, 11, 0))  # Tuesday


def test_opening_times_that_cannot_be_read_stop_the_start_not_a_patient_reply() -> None:
    with pytest.raises(ValueError, match="CLINIC_TEAM_LINE_OPEN"):
        Settings.from_env({"CLINIC_TEAM_LINE_OPEN": "weekdays 9 to 5"})


def test_the_new_settings_reach_the_processes_the_run_command_starts() -> None:
    settings = Settings.from_env(LINES | {"CLINIC_REQUIRE_CLINICAL_APPROVAL": "true"})
    again = Settings.from_env(settings.to_env())
    assert again.clinic == settings.clinic
    assert again.require_clinical_approval
