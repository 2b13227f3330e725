"""What kind of turn this is, decided once: its triage, its flag and the handler that answers.

Rasa's rules pick an action from the intent, and the action names a kind of turn (answer,
fallback, symptom, decision, nurse). Safety can overrule that choice: what triage found in the
words (a sign, a wish to wait, a request for a person, despair, fear), the conversation's open
urgent flag and a phone number left for a call back. ``decide`` weighs them all, in this one
place, and returns the ``Situation`` the handlers and the reply work from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from clinic_assistant.dialogue.turn import Turn
from clinic_assistant.flags import Urgency
from clinic_assistant.triage import Assessment
from clinic_common.contract import URGENT_LEVELS, Triage, most_urgent, rank
from clinic_common.topics import PERSONAL_INTENT, PERSONAL_LEANING

# What the dialogue asks the assistant to do with a turn (one per action).
KINDS = ("answer", "fallback", "symptom", "decision", "nurse")
UNCLEAR_SYMPTOM = "a symptom I could not assess"
NURSE_REQUEST = "asked to speak to a nurse"
DESPAIR = "distress: said they do not want to go on"
PERSONAL_DECISION = "a question only your own team can answer"
# A phone number: 7 or more digits, with the usual separators.
PHONE = re.compile(r"(?<!\w)(\+?\d[\d\s().-]{5,}\d)(?!\w)")


@dataclass(frozen=True)
class Situation:
    kind: str
    # The level of the signs in this message alone (the safety message's level).
    symptoms: Triage
    # The turn's level and reason, and the kind of flag it raises (None: no flag).
    triage: Triage
    flag_kind: str | None
    # The conversation's open urgent flag, when this message's own signs are less urgent.
    ongoing: Urgency | None
    wants_nurse: bool
    personal: bool
    despair: bool
    feelings_only: bool
    unclear_symptom: bool
    # A phone number the patient left for a call back ("" if none).
    callback: str
    # Which handler answers (clinic_assistant.dialogue.handlers.HANDLERS).
    handler: str

    @property
    def urgent_level(self) -> str | None:
        return self.triage.level if self.triage.level in URGENT_LEVELS else None


def decide(turn: Turn, kind: str, assessment: Assessment, ongoing: Urgency | None) -> Situation:
    if kind not in KINDS:
        raise ValueError(f"unknown kind of turn {kind!r}")
    symptoms = symptom_triage(assessment)
    wants_nurse = assessment.nurse_request or kind == "nurse"
    personal = assessment.personal_decision or kind == "decision" or leans_personal(turn, kind)
    feelings_only = assessment.feelings and symptoms.level == "none"
    despair = assessment.despair or turn.intent == "express_despair"
    unclear_symptom = (
        kind == "symptom"
        and symptoms.level == "none"
        and not (assessment.expected_findings or assessment.symptoms_denied or wants_nurse
                 or personal or feelings_only)
    )  # fmt: skip
    triage, flag_kind = _turn_triage(
        assessment, symptoms, wants_nurse, personal, unclear_symptom, despair
    )
    if ongoing is not None and rank(symptoms.level) >= rank(ongoing.level):
        ongoing = None
    if ongoing is not None:
        # Until staff resolve the conversation's urgent flag, every reply keeps its level.
        triage = Triage(ongoing.level, ongoing.reason)
        if flag_kind != "symptom":
            flag_kind = None
    callback = callback_number(turn, wants_nurse)
    situation = Situation(
        kind=kind, symptoms=symptoms, triage=triage, flag_kind=flag_kind, ongoing=ongoing,
        wants_nurse=wants_nurse, personal=personal, despair=despair,
        feelings_only=feelings_only, unclear_symptom=unclear_symptom, callback=callback,
        handler="",
    )  # fmt: skip
    return _with_handler(situation, turn, assessment)


def leans_personal(turn: Turn, kind: str) -> bool:
    """A question the model did not take for a personal one, but leaned towards enough that it
    most likely is one ("with my margins, is lipofilling still an option?")."""
    return kind in ("answer", "fallback") and (
        turn.confidence_of(PERSONAL_INTENT) >= PERSONAL_LEANING
    )


def _with_handler(s: Situation, turn: Turn, assessment: Assessment) -> Situation:
    """The first that applies, most urgent first."""
    worried = s.symptoms.level == "none" and (
        turn.intent == "express_worry"
        or (s.feelings_only and (s.kind in ("symptom", "fallback") or turn.intent == "greet"))
    )
    for applies, handler in (
        (s.urgent_level and assessment.wants_to_wait, "do_not_wait"),
        (s.urgent_level and s.wants_nurse, "speak_now"),
        (s.callback and not s.wants_nurse, "callback_number"),
        (s.despair, "despair"),
        (s.wants_nurse, "nurse_request"),
        (s.personal, "personal_decision"),
        (worried, "worry"),
        (s.kind == "symptom", "symptom"),
        (s.kind == "fallback", "fallback"),
    ):
        if applies:
            return replace(s, handler=handler)
    return replace(s, handler="answer")


def symptom_triage(assessment: Assessment) -> Triage:
    """The level and reason from the signs themselves (not from requests or decisions)."""
    signs = [f for f in assessment.findings if f.level != "none"]
    if not signs:
        return Triage()
    # The assessment's level is the highest sign's whenever a sign reaches routine follow-up.
    level = most_urgent(f.effective_level for f in signs)
    return Triage(level=level.value, reason=assessment.reason)


def _turn_triage(
    assessment: Assessment,
    symptoms: Triage,
    wants_nurse: bool,
    personal: bool,
    unclear_symptom: bool,
    despair: bool,
) -> tuple[Triage, str | None]:
    if symptoms.level != "none":
        return symptoms, "symptom"
    for condition, reason, kind in (
        (despair, DESPAIR, "wellbeing"),
        (wants_nurse, NURSE_REQUEST, "nurse_request"),
        (personal, PERSONAL_DECISION, "personal_decision"),
        (unclear_symptom, UNCLEAR_SYMPTOM, "symptom"),
    ):
        if condition:
            return Triage("routine_followup", reason), kind
    return Triage("none", assessment.reason), None


def callback_number(turn: Turn, wants_nurse: bool) -> str:
    """A phone number left for a call back, after the request or in it ("" if none)."""
    if not (turn.slots.get("awaiting_callback") or wants_nurse):
        return ""
    match = PHONE.search(turn.text)
    if not match or sum(c.isdigit() for c in match.group(1)) < 7:
        return ""
    return " ".join(match.group(1).split())
