"""Which reply topic each intent leads to, read from the curated answers (``data/answers``).

Both evaluations need it, the product's (``clinic_assistant.evaluation``, against the running
stack) and the model's (``clinic_nlu.evaluation``, in the Rasa environment): a prediction is
right when it leads to the topic the message is about.
"""

from __future__ import annotations

from pathlib import Path

import yaml

# Intents answered by the action server's own logic rather than by an answer of their topic.
SPECIAL_TOPICS = {
    "report_symptom": "red_flag",
    "ask_personal_decision": "needs_surgeon_decision",
    "request_nurse": "needs_surgeon_decision",
}

# The intent the NLU gives a message it is not sure of (Rasa's FallbackClassifier).
FALLBACK_INTENT = "nlu_fallback"
# A question only the patient's own team can answer ("am I a candidate", "what do my results mean").
PERSONAL_INTENT = "ask_personal_decision"
# Intents that are not an information question: never offered as a topic button, never
# answered as the model's best guess below the fallback threshold.
NOT_INFORMATION_QUESTIONS = frozenset({
    "nlu_fallback", "greet", "goodbye", "thank", "acknowledge", "bot_challenge", "report_symptom",
    "request_nurse", "ask_personal_decision", "express_worry", "express_despair", "complain",
    "out_of_scope", "ask_more",
})  # fmt: skip
# Below the fallback threshold, the model's best guess is still answered, said to be a guess and
# with the other likely topics as buttons, when its confidence is at least this and it is an
# information question. Chosen on held-out data of our own, never the frozen test split or the
# yardstick: the lowest bound at which guesses are right more often than wrong in every
# 0.05-wide slice above it, pooled over the page-grouped cross-validation folds and the
# calibration split (`make crossval`, `make calibrate`: the "best guesses" tables). On
# 2026-12-01, sixth corpus batch, threshold 0.66: 0.30-0.35 right 78 of 161, 0.35-0.40 84 of
# 158, every slice above 57-74%.
BEST_GUESS_CONFIDENCE = 0.35
# A message the model does not answer as a personal question, but gives at least this
# probability of being one, is treated as one: the team is flagged (routine) and the patient
# told only their team can say what is right for them, then given the general answer. Chosen
# like the others on our own held-out data (`make crossval` and `make calibrate`: the
# "personal-decision probability" tables), never the frozen split or the yardstick: the lowest
# bound at which plain questions flagged by it stay at or under 1% of plain questions, pooled
# (2026-12-01, sixth corpus batch: 0.40 flags 30 of 3,354, 0.35 34; at 0.40 it catches 118 of
# the 241 personal questions, of 435, that the model did not answer as personal).
PERSONAL_LEANING = 0.40


def is_information_question(intent: str) -> bool:
    return intent.startswith("ask_") and intent not in NOT_INFORMATION_QUESTIONS


def topics_of_intents(answers_dir: Path, special: dict[str, str] | None = None) -> dict[str, str]:
    topics = dict(SPECIAL_TOPICS if special is None else special)
    for path in sorted(answers_dir.glob("*.yml")):
        for answer in (yaml.safe_load(path.read_text()) or {}).get("answers") or []:
            for intent in answer.get("intents") or []:
                topics.setdefault(intent, answer["topic"])
    return topics


def read_labelled(path: Path) -> list[tuple[str, str]]:
    """The (message, intent) pairs of a Rasa NLU file (a split of the patient corpus)."""
    messages = []
    for block in yaml.safe_load(path.read_text())["nlu"]:
        for line in block["examples"].splitlines():
            if line.strip():
                messages.append((line.strip()[2:], block["intent"]))
    return messages
