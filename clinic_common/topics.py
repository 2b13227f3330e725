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
