"""Patient text, made safe to read once: the same normalisation for NLU, triage and storage.

Patients type emoji with variation selectors (❤️), joined emoji (👩‍⚕️), text pasted with
zero-width spaces or right-to-left marks, letters with combining accents, and browsers can send
lone UTF-16 surrogates. Rasa's NLU (the MiniLM featurizer aligns word pieces with spaCy tokens)
and the UTF-8 databases fail on some of these. ``normalise_message`` is applied once, when a
message arrives at the channel, so every later reader sees the same text:

- Unicode NFKC (composed letters, full-width forms folded, ligatures split);
- lone surrogates replaced with U+FFFD (they cannot be stored as UTF-8);
- variation selectors, zero-width characters and joiners, bidirectional marks and other
  invisible format characters removed; other control characters become spaces;
- runs of white space folded (line breaks kept as one space).

``without_emoji`` additionally replaces pictographs with spaces, for the NLU model only: the
stored message keeps the patient's emoji.

``model_text`` bounds the NLU's work per message: the model reads at most ``MAX_MODEL_CHARS``
characters (cut at a word), and a message of emoji alone reaches it as a few of them. Eight
messages of 2,000 emoji once held the NLU thread for seconds while other patients waited;
triage and the transcript still read the whole message.
"""

from __future__ import annotations

import re
import unicodedata

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
# Format (Cf) characters that are not text: zero-width space/joiners, word joiner, BOM, bidi
# marks and embeddings, invisible operators, tag characters. Variation selectors are Mn.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]"
)
_SPACE = re.compile(r"\s+")


def _is_pictograph(character: str) -> bool:
    category = unicodedata.category(character)
    # Cn: characters newer than this Python's Unicode tables (new emoji), Co: private use.
    if character == REPLACEMENT or category in ("Cn", "Co"):
        return True
    code = ord(character)
    # So from U+2100 on: symbols such as ❤ ☺ ✅ and the emoji blocks (° and © are text);
    # skin-tone modifiers are Sk.
    return (category == "So" and code >= 0x2100) or 0x1F000 <= code <= 0x1FAFF


def normalise_message(text: str) -> str:
    """The message as every part of the assistant reads and stores it."""
    text = _SURROGATE.sub(REPLACEMENT, text)
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    return _SPACE.sub(" ", text).strip()


def without_emoji(text: str) -> str:
    """The message with pictographs (emoji, symbols) replaced by spaces, for the NLU model."""
    cleaned = "".join(" " if _is_pictograph(c) else c for c in normalise_message(text))
    return _SPACE.sub(" ", cleaned).strip()


MAX_MODEL_CHARS = 600  # about 100 words: more than any question patients ask in one message
MAX_MODEL_PICTOGRAPHS = 8


def model_text(text: str) -> str:
    """What the NLU model reads of a message: its words without emoji, bounded in length."""
    normalised = normalise_message(text)
    words = without_emoji(normalised)
    if not words:  # emoji only: the model gets a few, enough to say "not a question"
        return "".join(c for c in normalised if not c.isspace())[:MAX_MODEL_PICTOGRAPHS]
    if len(words) <= MAX_MODEL_CHARS:
        return words
    cut = words[:MAX_MODEL_CHARS]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


_QUESTION_BREAK = re.compile(
    r"(?<=\?)\s+|\s*[,;.]?\s+\b(?:and also|also|oh and|plus|another question)\b\s*"
    r"|\s*[,;]?\s+and\s+(?=(?:what|how|when|why|which|can|could|will|would|is|are|do|does)\b)",
    re.IGNORECASE,
)
MIN_CLAUSE_WORDS = 3


def question_clauses(text: str) -> list[str]:
    """The questions of a message that asks more than one ("what is lipofilling? and how long
    is recovery?"), in order; one item when it asks one. Short pieces stay with the one before.
    """
    pieces = [p.strip(" ,;") for p in _QUESTION_BREAK.split(text) if p and p.strip(" ,;")]
    clauses: list[str] = []
    for piece in pieces:
        if clauses and len(piece.split()) < MIN_CLAUSE_WORDS:
            clauses[-1] = f"{clauses[-1]} {piece}"
        else:
            clauses.append(piece)
    return clauses or [text]
