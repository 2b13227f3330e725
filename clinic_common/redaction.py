"""Redacting personal details from text that is stored or logged.

Patients sometimes type their email address, phone number or date of birth. The assistant needs
none of them to answer (a call-back number asked for on purpose is kept on the flag, apart), so
stored transcripts, the console's turn index and flags keep ``[email]``, ``[phone]`` and
``[date of birth]`` instead. What is redacted is a setting: ``CLINIC_REDACT`` lists any of
``email``, ``phone``, ``dob`` (default: all three), or ``none``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits in a row, allowing the usual separators and an international prefix.
PHONE = re.compile(r"(?<![\w/(])(?:\+|00)?\(?\d(?:[\s().-]{0,2}\d){6,14}(?![\w/])")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:19|20)?\d{{2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\s+(?:19|20)\d{{2}}"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}})"
)
# A date said to be a birth date ("born on 3 May 1961", "DOB 03/05/61", "my birthday is ...").
DATE_OF_BIRTH = re.compile(
    rf"\b(?:d\.?o\.?b\.?|date of birth|born(?:\s+on)?|birthday(?:\s+is)?)\s*[:\-]?\s*{_DATE}",
    re.IGNORECASE,
)
KINDS = ("email", "phone", "dob")


def configured_kinds(environ: dict[str, str] | None = None) -> tuple[str, ...]:
    value = (environ if environ is not None else os.environ).get("CLINIC_REDACT", "all")
    value = value.strip().lower()
    if value == "none":
        return ()
    if value in ("", "all"):
        return KINDS
    kinds = tuple(k.strip() for k in value.replace(";", ",").split(",") if k.strip())
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"CLINIC_REDACT: unknown {sorted(unknown)}; use {', '.join(KINDS)}")
    return kinds


def redact(text: str, kinds: Iterable[str] = KINDS) -> str:
    """The text with the chosen kinds of personal detail replaced by a label."""
    kinds = set(kinds)
    if "dob" in kinds:
        text = DATE_OF_BIRTH.sub("[date of birth]", text)
    if "email" in kinds:
        text = EMAIL.sub("[email]", text)
    if "phone" in kinds:
        text = PHONE.sub("[phone]", text)
    return text
