"""The patient corpus's provenance file, read the same way by both environments.

``data/nlu_provenance.csv`` (built by ``tools/build_corpus.py``) holds every gathered message
with its intent, the page it was paraphrased from and its split. Splits and folds are made by
page, so a page's wording never helps to answer its own messages.
"""

from __future__ import annotations

import csv
import re
import zlib
from pathlib import Path

PROVENANCE = Path("data/nlu_provenance.csv")
# The triage classifier's training descriptions.
TRIAGE_EXAMPLES = Path("data/triage/examples.jsonl")
# Frozen sets, only ever reported on, each from pages nothing else came from: symptom
# descriptions with their triage ``level`` (the first frozen 2026-11, the second 2026-12, after
# the first had been read to find a defect), and questions marked ``needs_surgeon`` (a personal
# decision for the team, or the same subjects asked in general).
FROZEN_TRIAGE_SETS = (Path("tests/triage/unseen.jsonl"), Path("tests/triage/unseen_2.jsonl"))
NEEDS_SURGEON_SET = Path("tests/nlu/needs_surgeon_test.jsonl")
FROZEN_SETS = (*FROZEN_TRIAGE_SETS, NEEDS_SURGEON_SET)
# The intent metadata of the examples staff labelled in the console's inbox (data/nlu/reviewed.yml,
# written by clinic_assistant.learning.reviewed). The triage classifier does not take them as
# examples of level none (clinic_nlu.components.triage_classifier): a labeller choosing a
# question intent for a message that also describes a sign must not teach triage to miss it.
REVIEWED_METADATA = {"origin": "staff_review"}


def is_reviewed(intent_metadata: object) -> bool:
    """Whether an example's intent metadata marks it as labelled by staff in the inbox."""
    origin = REVIEWED_METADATA["origin"]
    return isinstance(intent_metadata, dict) and intent_metadata.get("origin") == origin


def page_key(url: str) -> str:
    """The page an address names: scheme, "www." and a trailing slash do not make a new page."""
    url = re.sub(r"^https?://", "", url.strip().lower())
    url = re.sub(r"^www\d*\.", "", url)
    return url.rstrip("/")


def page_fold(url: str, folds: int) -> int:
    """A page's fold for grouped cross-validation: stable across runs and machines."""
    return zlib.crc32(page_key(url).encode()) % folds


def read_provenance(path: Path = PROVENANCE) -> list[dict[str, str]]:
    with open(path, newline="") as rows:
        return list(csv.DictReader(rows))
