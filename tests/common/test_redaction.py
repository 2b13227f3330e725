"""Personal details are replaced in stored and logged text; medical facts are left alone."""

from __future__ import annotations

import logging

import pytest

from clinic_common import logs
from clinic_common.redaction import redact
from clinic_common.settings import REDACT
from tests.common.redaction_corpus import DATES_OF_BIRTH, EMAILS, LOOK_ALIKES, PHONES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at jo.bloggs+clinic@example.co.uk please", "mail me at [email] please"),
        ("my number is 07700 900123", "my number is [phone]"),
        ("call +44 (0)20 7946 0958 after 5", "call [phone] after 5"),
        ("ring 020-7946-0958", "ring [phone]"),
        ("I was born on 3 May 1961", "I was [date of birth]"),
        ("DOB: 03/05/61, is that ok", "[date of birth], is that ok"),
        ("my birthday is March 3rd, 1961", "my [date of birth]"),
    ],
)
def test_emails_phone_numbers_and_birth_dates_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "about 84 out of 100 women are alive 10 years later",
        "my surgery was on 3 May 2024, is swelling normal?",
        "the lump was 2.5 cm and I had 15 sessions of radiotherapy",
        "I'm 61 and had a lumpectomy in 2019",
    ],
)
def test_medical_facts_and_other_dates_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_what_is_redacted_is_a_setting() -> None:
    assert REDACT.read({}) == ("email", "phone", "dob")
    assert REDACT.read({"CLINIC_REDACT": "none"}) == ()
    assert REDACT.read({"CLINIC_REDACT": "email, phone"}) == ("email", "phone")
    assert redact("a@b.org 07700 900123", ("email",)) == "[email] 07700 900123"
    with pytest.raises(ValueError, match="unknown"):
        REDACT.read({"CLINIC_REDACT": "email,address"})


def test_log_lines_are_redacted_whoever_writes_them(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    original = logging.getLogRecordFactory()
    monkeypatch.setattr(logs, "_installed", False)
    try:
        logs.install_log_redaction(REDACT.default_value)
        with caplog.at_level(logging.INFO):
            logging.getLogger("some.library").info("user said %r", "call me on 07700 900123")
        assert "07700" not in caplog.text and "[phone]" in caplog.text
    finally:
        logging.setLogRecordFactory(original)


# ------------------------------------------------------------------------ the written forms


@pytest.mark.parametrize(("text", "fragment"), DATES_OF_BIRTH)
def test_a_date_of_birth_written_any_way_is_redacted(text: str, fragment: str) -> None:
    redacted = redact(text)
    assert "[date of birth]" in redacted and fragment not in redacted, redacted


@pytest.mark.parametrize(("text", "fragment"), PHONES)
def test_a_phone_number_in_digits_or_words_is_redacted(text: str, fragment: str) -> None:
    redacted = redact(text)
    assert "[phone]" in redacted and fragment not in redacted, redacted


@pytest.mark.parametrize(("text", "fragment"), EMAILS)
def test_an_email_address_written_or_spelled_out_is_redacted(text: str, fragment: str) -> None:
    redacted = redact(text)
    assert "[email]" in redacted and fragment not in redacted, redacted


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_surgery_dates_doses_temperatures_and_counts_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_the_corpus_covers_over_a_hundred_forms_and_a_hundred_look_alikes() -> None:
    assert len(DATES_OF_BIRTH) + len(PHONES) + len(EMAILS) >= 100
    assert len(LOOK_ALIKES) >= 100


def test_redaction_stays_quick_on_the_longest_message() -> None:
    import time

    worst = ("one two three four five six seven eight nine oh " * 40)[:2000]
    lookalike = ("jane at example dot " * 100)[:2000]
    started = time.perf_counter()
    redact(worst), redact(lookalike), redact("06/07/" * 333)
    assert time.perf_counter() - started < 0.5
