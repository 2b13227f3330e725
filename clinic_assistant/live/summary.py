"""What a nurse reads first when she joins: built from the conversation's turn index and flags,
by rules (no language model), so the same conversation always gives the same summary.

- **Topics asked**: the topics of the assistant's answers, in the order first asked.
- **Triage**: every message where triage found something, with its level and reason.
- **Worries**: what the patient said about being worried, scared or low, in their own words
  (as stored: email, phone and birth date redacted).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from clinic_assistant.db.models import Flag, TurnRecord

TOPIC_NAMES = {
    "what_is": "what partial reconstruction is",
    "option_tissue_rearrangement": "tissue rearrangement",
    "option_reduction_reshaping": "reduction and reshaping",
    "option_symmetry_other_breast": "surgery on the other breast",
    "option_flap": "flaps",
    "option_implant": "implants",
    "option_fat_grafting": "fat grafting",
    "timing": "timing",
    "radiation": "radiotherapy",
    "risks": "risks",
    "recovery": "recovery",
    "preparation_team": "preparing and the team",
    "margins_more_surgery": "margins and more surgery",
    "recurrence_treatment": "treatment if the cancer comes back",
    "prognosis": "outlook figures",
}
WORRY_INTENTS = {"express_worry", "express_despair"}
WORRY_WORDS = re.compile(
    r"\b(worr\w*|scared|afraid|anxious|anxiety|nervous|frighten\w*|terrified|panic\w*|"
    r"concern\w*|fear\w*|dread\w*|upset|can'?t sleep|depressed|overwhelmed|stress\w*)\b",
    re.IGNORECASE,
)
LEVEL_NAMES = {"emergency": "emergency", "contact_team_today": "same day",
               "routine_followup": "routine"}  # fmt: skip
MAX_QUOTE = 240


@dataclass(frozen=True)
class Sign:
    level: str
    reason: str
    said: str


@dataclass(frozen=True)
class Summary:
    messages: int
    topics: tuple[str, ...]
    signs: tuple[Sign, ...]
    worries: tuple[str, ...]
    highest_level: str
    flag_reasons: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.topics or self.signs or self.worries)


def _quote(text: str) -> str:
    if text.startswith("/"):
        # A button the widget offers sends its payload ("/request_nurse"), not words.
        return "pressed “Talk to a nurse”" if text == "/request_nurse" else "pressed a button"
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rstrip() + "…"


def summarise(turns: Iterable[TurnRecord], flags: Iterable[Flag] = ()) -> Summary:
    turns = list(turns)
    topics: dict[str, None] = {}
    signs: list[Sign] = []
    worries: list[str] = []
    order = ("none", "routine_followup", "contact_team_today", "emergency")
    highest = "none"
    for turn in turns:
        for topic in turn.topics or []:
            if topic in TOPIC_NAMES:
                topics.setdefault(TOPIC_NAMES[topic])
        level = turn.triage_level or "none"
        if level != "none" and turn.triage_reason:
            signs.append(Sign(LEVEL_NAMES.get(level, level), turn.triage_reason,
                              _quote(turn.text or "")))  # fmt: skip
            if order.index(level) > order.index(highest):
                highest = level
        if turn.intent in WORRY_INTENTS or WORRY_WORDS.search(turn.text or ""):
            worries.append(_quote(turn.text))
    reasons = tuple(dict.fromkeys(
        f"{LEVEL_NAMES.get(f.level, f.level)}: {f.reason}" for f in flags
        if f.status != "resolved"
    ))  # fmt: skip
    return Summary(len(turns), tuple(topics), tuple(signs), tuple(dict.fromkeys(worries)),
                   highest, reasons)  # fmt: skip
