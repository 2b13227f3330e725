"""The more cautious of the rules and the learned opinion, with the rules' context respected.

The NLU server's triage classifier (``clinic_nlu.components.triage_classifier``) reads how urgent a
message sounds from its sentence embedding and sends its opinion with the parse. The rules know
what they recognised; the classifier knows wording the rules never saw. The turn's level is
the higher of the two, except where the rules had a reason to stand down that an embedding
cannot see: the symptom was denied, is over, was asked about in general or happened to someone
else in the past; or the message names no symptom the rules know and the NLU model did not take
it for a symptom report (a question, a complaint, feelings; a best guess of a report counts as
one for an emergency opinion only). There the opinion counts only when it is confident, and
only for an urgent level; where the message speaks only of feelings, names no symptom and the
NLU model reads it as worry, not at all; where every symptom named is denied and the model
reads an information question, only for an emergency. The rules themselves never lower their own
emergency signs told in the present.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from clinic_assistant.triage.engine import Assessment, Finding
from clinic_common.contract import TRIAGE_LEVELS, rank
from clinic_common.topics import FALLBACK_INTENT, is_information_question

# Probability (of the level or above) at which the opinion overrules the rules' context.
# Chosen on the patient corpus's calibration split, follow-ups included (never the frozen sets
# or the yardstick): the lowest value keeping plain messages raised to a same-day alarm under
# 3% and flagged at all under 5% there (0.6: 2 of 159; 0.5: 3; 0.4: 5). Below an urgent level
# the opinion never raises such a message: a routine flag there is noise for the nurses.
CONFIDENT = 0.6
SYMPTOM_INTENT = "report_symptom"
WORRY_INTENT = "express_worry"
# A message that asks something: a question mark, or the way patients start a question.
ASKS = re.compile(
    r"\?|\b(when|how long|how soon|can i|could i|is it ok|is it okay|should i|do i)\b", re.I
)
REASONS = {
    "emergency": "symptoms that can be a sign of an emergency",
    "contact_team_today": "symptoms that should be checked today",
    "routine_followup": "something your team should know about",
}


def _at_or_above(probabilities: Mapping[str, float], level: str) -> float:
    return sum(float(probabilities.get(lv, 0.0)) for lv in TRIAGE_LEVELS[rank(level) :])


def _confident_denial(assessment: Assessment, intent: str, best_guess: str, text: str) -> bool:
    """The rules are confident the message reports nothing: every symptom it names is denied
    ("no redness, no swelling, temperature normal - when can I ...?"), the NLU model did not
    take it for a symptom report above its threshold, and it asks something (the model's
    reading or guess is an information question, or it asks in words). An embedding cannot see
    the negation, so its same-day opinion stands down; an emergency opinion still counts."""
    if not assessment.symptoms_denied or intent == SYMPTOM_INTENT:
        return False
    return (
        is_information_question(intent)
        or (intent == FALLBACK_INTENT and is_information_question(best_guess))
        or bool(ASKS.search(text))
    )


def _only_feelings(assessment: Assessment, intent: str, best_guess: str) -> bool:
    """Fear, panic, low mood or crying, with no symptom named, which the NLU model reads (or,
    below its threshold, guesses) as worry: two readings agree there is no report. The
    embedding hears the tone ("I keep crying about Friday" sounds like the same-day
    descriptions that end "can it wait till Friday?"), not a sign; out of fold on the NLU's
    training worries, 24 of 163 got an urgent opinion of 60% or more. Issue 12: feelings are
    not symptoms."""
    worry = intent == WORRY_INTENT or (intent == FALLBACK_INTENT and best_guess == WORRY_INTENT)
    return worry and assessment.feelings and not assessment.symptoms_named


def with_second_opinion(
    assessment: Assessment,
    opinion: Mapping[str, Any] | None,
    intent: str = "",
    best_guess: str = "",
    text: str = "",
) -> Assessment:
    """The assessment, raised to the opinion's level where the opinion should count."""
    if not opinion or opinion.get("level") not in TRIAGE_LEVELS:
        return assessment
    level = str(opinion["level"])
    signs = [f.effective_level for f in assessment.findings if f.level != "none"]
    rules_level = max(signs, key=rank, default="none")
    if rank(level) <= rank(rules_level) or _only_feelings(assessment, intent, best_guess):
        return assessment
    # The opinion counts in full for what reads as a report of symptoms: the rules found a sign,
    # or the NLU model took the message for a symptom report. Where the model only guesses a
    # report, below the fallback threshold, an emergency opinion counts in full too (that
    # threshold is for choosing an answer, not for hearing an emergency); a lesser opinion
    # there raised six plain questions of the yardstick's 214 to a flag and caught no sign.
    unsure_report = intent == FALLBACK_INTENT and best_guess == SYMPTOM_INTENT
    reads_as_report = (
        bool(signs) or intent == SYMPTOM_INTENT or (unsure_report and level == "emergency")
    )
    needs_confidence = (
        assessment.set_aside
        or assessment.symptoms_denied
        or not reads_as_report
        or (assessment.feelings and not assessment.symptoms_named)
    )
    if needs_confidence and (
        level == "routine_followup"
        or _at_or_above(opinion.get("probabilities", {}), level) < CONFIDENT
    ):
        # A routine flag on a message that reads as no report is noise for the nurses.
        return assessment
    if _confident_denial(assessment, intent, best_guess, text) and level != "emergency":
        return assessment
    finding = Finding(sign="second_opinion", level=level, reason=REASONS[level])
    return replace(
        assessment,
        level=max(assessment.level, level, key=rank),
        reason=REASONS[level] if rank(level) >= rank(assessment.level) else assessment.reason,
        findings=(*assessment.findings, finding),
    )
