"""Patient text is normalised once: invisible characters go, emoji stay out of the model's way."""

from __future__ import annotations

import pytest

from clinic_common.text import normalise_message, without_emoji


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("my chest hurts ❤️", "my chest hurts ❤"),
        ("nurse 👩\u200d⚕️ please", "nurse 👩⚕ please"),
        ("pain\u200b\u200bful", "painful"),
        ("\u200fhello\u202c", "hello"),
        ("cafe\u0301", "café"),
        ("\uff46\uff55\uff4c\uff4c width", "full width"),
        ("line\nbreak\ttab  spaces", "line break tab spaces"),
        ("bell\x07 and nul\x00", "bell and nul"),
        ("lone \ud83d surrogate", "lone \ufffd surrogate"),
    ],
)
def test_normalises_what_patients_paste_and_type(raw: str, normalised: str) -> None:
    assert normalise_message(raw) == normalised


def test_normalising_twice_changes_nothing() -> None:
    text = "👩‍⚕️ I can\u2019t breathe\u200b ❤️ cafe\u0301 \ud83d"
    assert normalise_message(normalise_message(text)) == normalise_message(text)


@pytest.mark.parametrize(
    ("raw", "for_the_model"),
    [
        ("my chest hurts ❤️", "my chest hurts"),
        ("😭😭 can't breathe 🙏🏽", "can't breathe"),
        ("flag 🇬🇧 and a new emoji \U0001fae8", "flag and a new emoji"),
        ("it's 38.5°C", "it's 38.5°C"),
        ("👍", ""),
    ],
)
def test_the_model_reads_the_words_without_emoji(raw: str, for_the_model: str) -> None:
    assert without_emoji(raw) == for_the_model
