"""Redacting personal details from text that is stored or logged.

Patients sometimes type their email address, phone number or date of birth. The assistant needs
none of them to answer (a call-back number asked for on purpose is kept on the flag, apart), so
stored transcripts, the console's turn index and flags keep ``[email]``, ``[phone]`` and
``[date of birth]`` instead. What is redacted is a setting: ``CLINIC_REDACT`` lists any of
``email``, ``phone``, ``dob`` (default: all three), or ``none``.

Patients write these details many ways, and medical text is full of look-alikes, so each kind
has a recall-first rule and the look-alikes are kept out by what surrounds them
(``tests/common/redaction_corpus.py`` holds both, over a hundred of each):

- email: ``jo@example.org``, and spelled out to dodge filters: ``jane at example dot com``,
  ``jane(at)example(dot)co(dot)uk``, ``jane [at] nhs [dot] net``;
- phone: seven or more digits with the usual separators; and numbers said in words, as
  patients dictate them: ``oh seven seven double oh nine hundred one two three``;
- date of birth: any date after "born", "DOB", "date of birth", "birthday" ("born on the 8th
  of September 1966", "DOB 6/7/64"); and a bare full date whose year makes it a birth date of
  an adult ("06/07/1964", "8 September 1966"), unless the words before it say it is the date
  of something else (surgery, a scan, a diagnosis...). Dates of recent years, doses,
  temperatures, sizes and counts are left alone.

No library fits better: ``phonenumbers`` only finds numbers valid for a region, so a mistyped
or foreign number would be kept, and none of the date or email libraries reads the spelled-out
forms; these rules are tested on the corpus instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

KINDS = ("email", "phone", "dob")

# ------------------------------------------------------------------------------------ email
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_OPEN, _CLOSE = r"[\(\[\{<]", r"[\)\]\}>]"
_AT = rf"(?:\s*{_OPEN}\s*at\s*{_CLOSE}\s*|\s+at\s+|\s*@\s*)"
_DOT = rf"(?:\s*{_OPEN}\s*dot\s*{_CLOSE}\s*|\s+dot\s+|\s*\.\s*(?=[a-z]))"
_LABEL = r"[a-z0-9][a-z0-9_+-]{0,40}"
_TLD = (r"(?:com|org|net|edu|gov|info|biz|io|me|co|uk|ie|au|nz|ca|us|de|fr|es|it|nl|nhs|ac|"
        r"scot|wales|online|email|mail|live|icloud)")  # fmt: skip
# "jane at example dot com": a spoken address needs "dot" and a known ending, so "I was at
# the clinic" is never one.
SPOKEN_EMAIL = re.compile(
    rf"\b{_LABEL}(?:{_DOT}{_LABEL}){{0,3}}{_AT}{_LABEL}(?:{_DOT}{_LABEL}){{0,3}}{_DOT}{_TLD}\b",
    re.IGNORECASE,
)

# ------------------------------------------------------------------------------------ phone
# Seven or more digits in a row, allowing the usual separators and an international prefix.
PHONE = re.compile(r"(?<![\w/(])(?:\+|00)?\(?\d(?:[\s().-]{0,2}\d){6,14}(?![\w/])")
_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "nil": "0", "one": "1", "two": "2",
    "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9",
}  # fmt: skip
_DIGIT_WORD = r"(?:zero|oh|o|nought|nil|one|two|three|four|five|six|seven|eight|nine)"
_PHONE_TOKEN = (rf"(?:(?:double|triple)[\s-]+{_DIGIT_WORD}|{_DIGIT_WORD}|hundred|thousand"
                r"|\+?\d{1,6})")  # fmt: skip
# A run of digit words and digit groups ("oh seven seven double oh nine hundred 123").
SPOKEN_PHONE = re.compile(
    rf"(?<![\w-]){_PHONE_TOKEN}(?:[\s,.-]+{_PHONE_TOKEN}){{3,30}}(?![\w-])", re.IGNORECASE
)
_TOKEN = re.compile(rf"(double|triple)[\s-]+({_DIGIT_WORD})|{_DIGIT_WORD}|hundred|thousand|\d+",
                    re.IGNORECASE)  # fmt: skip


def _digits_said(run: str) -> str:
    """The digits a run of spoken digit words stands for ("double oh" is "00")."""
    digits = []
    for match in _TOKEN.finditer(run):
        word = match.group(0).lower()
        if match.group(1):
            digits.append(_DIGIT_WORDS[match.group(2).lower()] * (2 if word[0] == "d" else 3))
        elif word in ("hundred", "thousand"):
            digits.append("00" if word == "hundred" else "000")
        else:
            digits.append(_DIGIT_WORDS.get(word, word))
    return "".join(digits)


def _spoken_phone(match: re.Match[str]) -> str:
    run = match.group(0)
    said = _digits_said(run)
    # Words must be part of it (plain digit runs are PHONE's), and enough digits for a number.
    if len(said) >= 7 and re.search(_DIGIT_WORD, run, re.IGNORECASE) and not run.isdigit():
        return "[phone]"
    return run


# ------------------------------------------------------------------------------------ dates
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORDINAL = r"(?:st|nd|rd|th)"
_DAY = rf"(?:[0-3]?\d{_ORDINAL}?)"
_YEAR4 = r"(?:1[89]\d\d|20\d\d)"
_YEAR = rf"(?:{_YEAR4}|'?\d\d)"
# Day and month in either order, then the year; written with numbers or the month's name.
_NUMERIC = rf"(?:[0-3]?\d[/.-][0-3]?\d[/.-](?:{_YEAR4}|\d\d)|{_YEAR4}-[01]\d-[0-3]\d)"
_WRITTEN = (rf"(?:(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTHS},?\s+{_YEAR}"
            rf"|{_MONTHS}\s+(?:the\s+)?{_DAY},?\s+{_YEAR})")  # fmt: skip
_DATE = rf"(?:{_NUMERIC}|{_WRITTEN})"
_BIRTH_WORDS = (r"(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s?date|born(?:\s+(?:on|in))?"
                r"|birthday(?:\s+is)?|b'?day(?:\s+is)?)")  # fmt: skip
# A date, or a year alone, said to be a birth date: "born on the 8th of September 1966".
DATE_OF_BIRTH = re.compile(
    rf"\b{_BIRTH_WORDS}\s*(?:[:=-]|\bis\b|\bwas\b)?\s*(?:{_DATE}|{_YEAR4}\b)", re.IGNORECASE
)
NUMERIC_DATE = re.compile(_NUMERIC)
# A full date standing alone ("06/07/1964"): a birth date when its year is an adult's.
BARE_DATE = re.compile(rf"(?<![\w/.-]){_DATE}(?![\w/-]|\.\d)", re.IGNORECASE)
# Words that make a date the date of something else, when they come shortly before it.
_EVENT = re.compile(
    r"\b(?:surgery|surgeries|operat\w*|op|lumpectomy|mastectomy|reconstruction|procedure|"
    r"diagnos\w*|radio\w*|radiation|chemo\w*|scan|mri|mammogram|biopsy|appointment|"
    r"clinic|review|admitted|discharged|treat\w*|since|from|until|till|started|finished|"
    r"ended|began|last|next|married|died|passed|lost|due|booked|seen|had|was\s+on)\b",
    re.IGNORECASE,
)
ADULT_AGE = 16


def _year_of(text: str) -> int | None:
    four = re.search(_YEAR4, text)
    if four:
        return int(four.group(0))
    two = re.search(r"(\d\d)\s*$", text.strip())
    if two is None:
        return None
    year = int(two.group(1))
    # "64" is 1964; "24" is this century's, an event date rather than an adult's birth.
    return 1900 + year if year > date.today().year % 100 + 1 else 2000 + year


def _bare_birth_date(text: str, match: re.Match[str]) -> bool:
    year = _year_of(match.group(0))
    if year is None or not 1900 <= year <= date.today().year - ADULT_AGE:
        return False
    before = text[max(0, match.start() - 60) : match.start()]
    before = re.split(r"[.!?;]\s", before)[-1]  # this sentence only
    return _EVENT.search(before) is None


def _phone(match: re.Match[str]) -> str:
    # "14.02.2023" has eight digits too: a date (of birth or not) is the date rule's business.
    return match.group(0) if NUMERIC_DATE.fullmatch(match.group(0).strip()) else "[phone]"


def _redact_dates(text: str) -> str:
    text = DATE_OF_BIRTH.sub("[date of birth]", text)
    return BARE_DATE.sub(
        lambda m: "[date of birth]" if _bare_birth_date(text, m) else m.group(0), text
    )


def redact(text: str, kinds: Iterable[str] = KINDS) -> str:
    """The text with the chosen kinds of personal detail replaced by a label."""
    kinds = set(kinds)
    if "dob" in kinds:
        text = _redact_dates(text)
    if "email" in kinds:
        text = EMAIL.sub("[email]", text)
        text = SPOKEN_EMAIL.sub("[email]", text)
    if "phone" in kinds:
        text = SPOKEN_PHONE.sub(_spoken_phone, text)
        text = PHONE.sub(_phone, text)
    return text
