"""Near-duplicate detection between messages: cosine similarity of character n-gram counts.

Used to keep the yardstick out of the training data and the test splits apart from the
training split: two messages at or above ``NEAR_DUPLICATE`` say the same thing in nearly the
same words ("my drain is blocked, what do I do" / "my drain's blocked - what do i do?").
Paraphrases in other words score far lower, which is what the splits are for.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

NEAR_DUPLICATE = 0.8
# Hashed 4-grams: collisions in 8,192 buckets add a little to unrelated pairs, far below 0.8.
DIMENSIONS = 2**13
N = 4


def vectors(texts: Sequence[str]) -> np.ndarray:
    """One unit-length row of hashed character 4-gram counts per text."""
    matrix = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for i, text in enumerate(texts):
        cleaned = " " + re.sub(r"[^a-z0-9]+", " ", text.lower()).strip() + " "
        for start in range(max(len(cleaned) - N + 1, 1)):
            matrix[i, zlib.crc32(cleaned[start : start + N].encode()) % DIMENSIONS] += 1
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-9)


def similarity(a: Sequence[str], b: Sequence[str]) -> np.ndarray:
    """Cosine similarity of every text of ``a`` (rows) with every text of ``b`` (columns)."""
    if not a or not b:
        return np.zeros((len(a), len(b)), dtype=np.float32)
    return vectors(a) @ vectors(b).T
