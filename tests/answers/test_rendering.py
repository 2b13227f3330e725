"""Every answer reads right once the settings fill it in, with the default clinic details and
with a clinic's own, and the reply a patient gets reads right too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_assistant.answers.catalogue import Catalogue
from clinic_assistant.answers.seeding import seed_catalogue
from clinic_assistant.answers.service import fill_placeholders
from clinic_assistant.app import AppContext
from clinic_assistant.dialogue import Turn, respond
from clinic_assistant.settings import Settings
from clinic_assistant.triage import TriageEngine

# What the reply fills in at the time of the turn (dialogue.reply.ReplyWriter.write).
TURN_VALUES = {"reason": "a fever", "reference": "F-ABC123", "common_findings": "bruising"}
CUSTOM = {
    "CLINIC_NAME": "Riverside Breast Unit",
    "CLINIC_TEAM_PHONE": "01632 960 123",
    "CLINIC_TEAM_HOURS": "8am to 6pm on weekdays",
    "CLINIC_OUT_OF_HOURS_PHONE": "01632 960 999",
    "CLINIC_EMERGENCY_NUMBER": "112",
}
CLINICS = {"default": {}, "custom": CUSTOM}


def _rendered(catalogue: Catalogue, environ: dict[str, str]) -> dict[str, str]:
    values = Settings.from_env(environ).clinic.placeholders() | TURN_VALUES
    return {a.id: fill_placeholders(a.text, values) for a in catalogue.answers}


@pytest.mark.parametrize("clinic", CLINICS)
def test_every_placeholder_is_filled(catalogue: Catalogue, clinic: str) -> None:
    rendered = _rendered(catalogue, CLINICS[clinic])
    assert {i: t for i, t in rendered.items() if re.search(r"[{}]", t)} == {}


@pytest.mark.parametrize("clinic", CLINICS)
def test_no_answer_says_a_word_twice_in_a_row(catalogue: Catalogue, clinic: str) -> None:
    doubled = re.compile(r"\b(\w+) \1\b", re.IGNORECASE)
    rendered = _rendered(catalogue, CLINICS[clinic])
    assert {i: doubled.search(t).group(0) for i, t in rendered.items() if doubled.search(t)} == {}


@pytest.mark.parametrize("clinic", CLINICS)
def test_every_sentence_starts_with_a_capital_letter(catalogue: Catalogue, clinic: str) -> None:
    rendered = _rendered(catalogue, CLINICS[clinic])
    lower_start = re.compile(r"(?:^|[.?!] )[a-z]")
    assert {i: t for i, t in rendered.items() if lower_start.search(t)} == {}


@pytest.mark.parametrize(
    ("clinic", "alerted"),
    [("default", "alerted the team at the breast clinic"),
     ("custom", "alerted the team at Riverside Breast Unit")],
)  # fmt: skip
def test_the_emergency_reply_names_the_clinic_once(
    catalogue: Catalogue, clinic: str, alerted: str
) -> None:
    assert alerted in _rendered(catalogue, CLINICS[clinic])["triage-emergency"]


# ------------------------------------------------------------------ the reply, composed
@pytest.fixture(params=CLINICS)
def clinic_app(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    project_root: Path,
    database_url: str,
    catalogue: Catalogue,
    triage_engine: TriageEngine,
) -> Iterator[AppContext]:
    settings = Settings.from_env({
        "CLINIC_ROOT": str(project_root), "CLINIC_DATABASE_URL": database_url,
        "CLINIC_TRACKER_DB": str(tmp_path / "tracker.db"), **CLINICS[request.param],
    })  # fmt: skip
    app = AppContext(settings)
    app.__dict__["triage"] = triage_engine
    with app.database.unit_of_work() as session:
        seed_catalogue(session, catalogue)
    yield app
    app.close()


def _say(app: AppContext, text: str, intent: str, kind: str) -> list[str]:
    turn = Turn(text=text, intent=intent, confidence=0.9, sender_id="patient-r")
    return [message.text for message in respond(app, turn, kind).messages]


def test_something_common_after_surgery_is_named_in_a_sentence_that_reads_right(
    clinic_app: AppContext,
) -> None:
    (text,) = _say(clinic_app, "I have some bruising around the scar", "report_symptom",
                   "symptom")  # fmt: skip
    assert text.startswith(
        "Our clinic's guidance lists bruising among the things that are common after this "
        "kind of surgery. You may also be sore for a few days."
    )
    assert "common after surgery:" not in text


def test_the_emergency_reply_reads_right_with_the_clinic_name(clinic_app: AppContext) -> None:
    texts = _say(clinic_app, "I have crushing chest pain", "report_symptom", "symptom")
    name = clinic_app.settings.clinic.name
    assert f"I have also alerted the team at {name} (reference F-" in texts[0]
    assert "the the" not in " ".join(texts)
