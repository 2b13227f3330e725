"""The pattern notation of data/triage/*.yml, compiled to spaCy Matcher token patterns.

A pattern is a sequence of single words separated by spaces:
  word     this word in any of its forms ("press" matches "pressed", "presses"): the engine sets
           each token's NORM to its lemma, so a plain word matches the lemma of either form
  word%   this word or a one-letter misspelling of it
  word*    any word starting with word  a|b*|c  any one of these words (single words only:
           "going|carrying on" is going-or-carrying followed by on; write a phrase that differs
           in more than one word as patterns of its own)
  ~N       up to N other words (never a negation word, never across . ? !)
  ?word    optional
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Lemma = Callable[[str], str]

# Gaps never swallow these: "redness is NOT spreading" must not match "redness ... spreading",
# and "no pain, but the scar looks worse" is not worsening pain.
GAP_EXCLUDED = ["not", "no", "never", "without", "n't", ".", "?", "!", ",", ";", "but"]


class PatternError(ValueError):
    pass


def _word_spec(word: str, lemma: Lemma | None) -> dict[str, Any]:
    if "|" in word:
        alternatives = word.split("|")
        if any(not alt or " " in alt or "%" in alt for alt in alternatives):
            raise PatternError(f"bad alternatives {word!r}")
        regex = "|".join(
            re.escape(alt[:-1]) + ".*" if alt.endswith("*") else re.escape(alt)
            for alt in alternatives
        )
        return {"LOWER": {"REGEX": f"^(?:{regex})$"}}
    if word.endswith("*"):
        return {"LOWER": {"REGEX": f"^{re.escape(word[:-1])}"}}
    if word.endswith("%"):
        base = word[:-1]
        return {"LOWER": {"FUZZY2" if len(base) >= 9 else "FUZZY1": base}}
    if lemma is None:
        return {"LOWER": word}
    return {"NORM": {"IN": sorted({word, lemma(word)})}}


def compile_pattern(pattern: str, lemma: Lemma | None = None) -> list[dict[str, Any]]:
    """Matcher token patterns; with ``lemma``, plain words match every form of the word."""
    tokens: list[dict[str, Any]] = []
    for element in pattern.lower().split():
        if element.startswith("~"):
            # "~10" was once read as the word "~10": a gap of two digits never matched.
            if not re.fullmatch(r"~\d+", element):
                raise PatternError(f"bad gap {element!r} in {pattern!r}")
            gap = int(element[1:])
            tokens.append({"LOWER": {"NOT_IN": GAP_EXCLUDED}, "OP": f"{{0,{gap}}}"})
            continue
        optional = element.startswith("?")
        spec = _word_spec(element[1:] if optional else element, lemma)
        if optional:
            spec["OP"] = "?"
        tokens.append(spec)
    if not tokens or all(t.get("OP") for t in tokens):
        raise PatternError(f"pattern {pattern!r} matches nothing by itself")
    return tokens
