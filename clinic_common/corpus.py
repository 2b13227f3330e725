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
