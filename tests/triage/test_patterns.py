"""The pattern notation of data/triage (clinic_assistant/triage/patterns.py)."""

import pytest
import spacy
from spacy.matcher import Matcher

from clinic_assistant.triage.patterns import PatternError, compile_pattern


def matches(pattern: str, text: str) -> bool:
    nlp = spacy.blank("en")
    matcher = Matcher(nlp.vocab, validate=True)
    matcher.add("p", [compile_pattern(pattern)])
    return bool(matcher(nlp(text)))


def test_a_gap_of_two_digits_allows_that_many_words() -> None:
    pattern = "pressing ~10 still bleeding"
    assert matches(pattern, "pressing on it for ten minutes and it is still bleeding")
    eleven_words = "pressing on it for ten long minutes and yet somehow it is still bleeding"
    assert not matches(pattern, eleven_words)


def test_a_gap_never_swallows_a_negation() -> None:
    assert not matches("redness ~3 spreading", "redness is not spreading")


def test_alternatives_are_single_words() -> None:
    pattern = "no point going|carrying on"
    assert matches(pattern, "no point carrying on")
    assert not matches(pattern, "no point going")


@pytest.mark.parametrize("pattern", ["pain ~ worse", "pain ~x worse", "~2"])
def test_refuses_a_pattern_it_cannot_read(pattern: str) -> None:
    with pytest.raises(PatternError):
        compile_pattern(pattern)
