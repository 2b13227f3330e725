"""The reviewed NLU file (``data/nlu/reviewed.yml``): labelled inbox messages as training
examples, written from the database in a fixed order so that it is reviewed and versioned like
the rest of the training data.

Each example says where it came from (a comment above its block: the inbox item, why it was in
the inbox, the conversation, who labelled it and when). A labelled message is held back, and
says why in the console, when it is a near-copy of a message the assistant is measured on (the
frozen test and calibration splits, the real-world yardstick): training on it would make those
figures meaningless. It is also held back when the training data already has it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from clinic_assistant.db.models import InboxItem
from clinic_assistant.learning.inbox import Inbox
from clinic_assistant.similarity import NEAR_DUPLICATE, similarity
from clinic_common.corpus import REVIEWED_METADATA

HEADER = """\
# Patient messages reviewed in the staff console: each labelled by a nurse or an admin from
# the inbox of messages to learn from (clinic_assistant/learning). Written by the console from
# its database, in a fixed order; label in the console rather than editing this file.
"""
MEASUREMENT_SETS = {
    "the frozen test split": "tests/nlu/real_test.yml",
    "the calibration split": "tests/nlu/real_calibration.yml",
}
YARDSTICK_FILES = ("realworld-dev.json", "realworld-dev-multiturn.json")


def example_text(text: str) -> str:
    """One line Rasa reads as plain text: no entity markup, no line breaks."""
    return " ".join(re.sub(r"[\[\]{}]", " ", text).split())


def normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def _examples(path: Path) -> list[tuple[str, str]]:
    found = []
    for block in (yaml.safe_load(path.read_text()) or {}).get("nlu") or []:
        if "intent" in block and isinstance(block.get("examples"), str):
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    found.append((block["intent"], line.strip()[2:]))
    return found


@dataclass(frozen=True)
class ReviewedFile:
    """Where the file goes and what it is checked against."""

    path: Path
    root: Path

    @property
    def yardstick(self) -> Path:
        return self.root.parent / "shared" / "eval"

    def measurement_texts(self) -> dict[str, list[str]]:
        sets = {name: [text for _, text in _examples(self.root / relative)]
                for name, relative in MEASUREMENT_SETS.items()
                if (self.root / relative).exists()}  # fmt: skip
        yardstick: list[str] = []
        for name in YARDSTICK_FILES:
            if (self.yardstick / name).exists():
                data = json.loads((self.yardstick / name).read_text())
                for entry in data:
                    turns = entry.get("turns") or [entry]
                    yardstick += [turn["text"] for turn in turns]
        if yardstick:
            sets["the real-world yardstick"] = yardstick
        return sets

    def training_examples(self) -> dict[str, str]:
        """Normalised text -> intent of the other training files (not this one)."""
        known: dict[str, str] = {}
        for path in sorted((self.root / "data" / "nlu").rglob("*.yml")):
            if path.resolve() != self.path.resolve():
                for intent, text in _examples(path):
                    known.setdefault(normalised(text), intent)
        return known

    def hold_back_reasons(self, items: list[InboxItem]) -> dict[int, str]:
        """Why some labelled messages may not be trained on (item id -> reason)."""
        reasons: dict[int, str] = {}
        texts = [example_text(item.text) for item in items]
        for name, measured in self.measurement_texts().items():
            closest = similarity(texts, measured).max(axis=1) if texts and measured else []
            for item, score in zip(items, closest, strict=True):
                if score >= NEAR_DUPLICATE and item.id not in reasons:
                    reasons[item.id] = (f"nearly the same words as a message of {name}, which "
                                        "the assistant is measured on")  # fmt: skip
        known = self.training_examples()
        seen: dict[str, int] = {}
        for item, text in zip(items, texts, strict=True):
            key = normalised(text)
            if item.id in reasons:
                continue
            if not key:
                reasons[item.id] = "no words to learn from"
            elif key in known:
                reasons[item.id] = f"already in the training data (as {known[key]})"
            elif key in seen:
                reasons[item.id] = f"the same words as inbox item {seen[key]}"
            else:
                seen[key] = item.id
        return reasons

    def render(self, items: list[InboxItem]) -> str:
        ordered = sorted(items, key=lambda i: (i.label, normalised(example_text(i.text)), i.id))
        if not ordered:
            return HEADER + 'version: "3.1"\nnlu: []\n'
        lines = [HEADER.rstrip("\n"), 'version: "3.1"', "nlu:"]
        for item in ordered:
            when = item.labelled_at.strftime("%Y-%m-%d") if item.labelled_at else ""
            origin = ", ".join(item.origins)
            lines.append(f"# inbox {item.id} · {origin} · conversation {item.conversation_id}"
                         f" · labelled by {item.labelled_by} on {when}")  # fmt: skip
            lines.append(f"- intent: {item.label}")
            lines.append(f"  metadata: {json.dumps(REVIEWED_METADATA)}")
            lines.append("  examples: |")
            lines.append(f"    - {example_text(item.text)}")
        return "\n".join(lines) + "\n"

    def write(self, session: Session) -> int:
        """Write every trainable labelled message; record why the others are held back.

        Returns the number of examples written. The file is replaced in one step (a reader
        never sees half of it).
        """
        items = list(Inbox(session).labelled())
        reasons = self.hold_back_reasons(items)
        for item in items:
            item.held_back = reasons.get(item.id, "")
        written = [item for item in items if item.id not in reasons]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=self.path.parent, prefix=".reviewed-", suffix=".tmp", delete=False
        ) as out:
            out.write(self.render(written))
        os.replace(out.name, self.path)
        return len(written)
