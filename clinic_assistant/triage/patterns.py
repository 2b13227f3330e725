"""The pattern notation of data/triage/*.yml, compiled to spaCy Matcher token patterns.

A pattern is a sequence of single words separated by spaces:
  word     exactly this word            word%   this word or a one-letter misspelling of it
  word*    any word starting with word  a|b*|c  any one of these words
  ~N       up to N other words (never a negation word, never across . ? !)
  ?word    optional
"""

from __future__ import annotations

import re
from typing import Any

# Gaps never swallow these: "redness is NOT spreading" must not match "redness ... spreading",
# and "no pain, but the scar looks worse" is not worsening pain.
GAP_EXCLUDED = ["not", "no", "never", "without", "n't", ".", "?", "!", ",", ";", "but"]


class PatternError(ValueError):
    pass


def _word_spec(word: str) -> dict[str, Any]:
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
    return {"LOWER": word}


def compile_pattern(pattern: str) -> list[dict[str, Any]]:
    tokens: list[dict[str, Any]] = []
    for element in pattern.lower().split():
        if re.fullmatch(r"~\d", element):
            gap = int(element[1:])
            tokens.append({"LOWER": {"NOT_IN": GAP_EXCLUDED}, "OP": f"{{0,{gap}}}"})
            continue
        optional = element.startswith("?")
        spec = _word_spec(element[1:] if optional else element)
        if optional:
            spec["OP"] = "?"
        tokens.append(spec)
    if not tokens or all(t.get("OP") for t in tokens):
        raise PatternError(f"pattern {pattern!r} matches nothing by itself")
    return tokens
