"""Every ``CLINIC_*`` environment variable, declared once: its name, default and meaning.

Both environments read their settings through these declarations, each in one module of its
own: the product (``.venv``) in ``clinic_assistant.settings``, the Rasa side (``.venv-rasa``) in
``clinic_nlu.server.settings``. A default is therefore written once, and the two sides cannot
drift apart (they did once, when the message limit had a default on each side). Standard
library only, as everything in ``clinic_common``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from clinic_common.redaction import KINDS

T = TypeVar("T")
TRUE_WORDS = ("1", "true", "yes")


def whole_number(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} cannot be negative")
    return value


def seconds(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be more than 0 seconds")
    return value


def switch(_name: str, raw: str) -> bool:
    return raw.strip().lower() in TRUE_WORDS


def text(_name: str, raw: str) -> str:
    return raw.strip()


def words(_name: str, raw: str) -> tuple[str, ...]:
    """A list separated by spaces or commas."""
    return tuple(raw.replace(",", " ").split())


def fraction(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number between 0 and 1, not {raw!r}") from None
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1")
    return value


def redaction_kinds(name: str, raw: str) -> tuple[str, ...]:
    value = raw.strip().lower()
    if value == "none":
        return ()
    if value in ("", "all"):
        return KINDS
    kinds = tuple(k.strip() for k in value.replace(";", ",").split(",") if k.strip())
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"{name}: unknown {sorted(unknown)}; use {', '.join(KINDS)}")
    return kinds


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One environment variable: ``read`` gives its parsed value or its default's."""

    name: str
    default: str
    parse: Callable[[str, str], T]
    meaning: str

    @property
    def default_value(self) -> T:
        return self.parse(self.name, self.default)

    def read(self, environ: Mapping[str, str] | None = None) -> T:
        env = os.environ if environ is None else environ
        raw = env.get(self.name, "")
        return self.parse(self.name, raw if raw.strip() else self.default)


# --- the clinic, as patients are told about it ---------------------------------------------
CLINIC_NAME = Setting("CLINIC_NAME", "the breast clinic", text, "the clinic's name")
TEAM_PHONE = Setting(
    "CLINIC_TEAM_PHONE", "the number on your appointment letter", text, "the team's day line"
)
TEAM_HOURS = Setting(
    "CLINIC_TEAM_HOURS", "Monday to Friday, 9am to 5pm", text, "when the day line answers"
)
EMERGENCY_NUMBER = Setting("CLINIC_EMERGENCY_NUMBER", "999", text, "the emergency number")
CRISIS_LINE = Setting(
    "CLINIC_CRISIS_LINE", "Samaritans, free, day or night, on 116 123", text,
    "a crisis line for a patient in despair",
)  # fmt: skip
COMPLAINTS = Setting(
    "CLINIC_COMPLAINTS", "ask the team for the clinic's complaints procedure (PALS in the NHS)",
    text, "how to raise a complaint",
)  # fmt: skip
OUT_OF_HOURS_PHONE = Setting(
    "CLINIC_OUT_OF_HOURS_PHONE", "", text, "the number for same-day problems out of hours"
)
TEAM_LINE_OPEN = Setting(
    "CLINIC_TEAM_LINE_OPEN", "", text, 'when the day line is open ("Mon-Fri 09:00-17:00")'
)
TIMEZONE = Setting("CLINIC_TIMEZONE", "Europe/London", text, "the clinic's time zone")

# --- where things are -----------------------------------------------------------------------
ROOT = Setting("CLINIC_ROOT", "", text, "the project folder (default: where the code is)")
DATABASE_URL = Setting(
    "CLINIC_DATABASE_URL", "", text, "the product database (default: SQLite under var/)"
)
TRACKER_DB = Setting(
    "CLINIC_TRACKER_DB", "", text, "the SQLite tracker store file (default: under var/)"
)
TRACKER_URL = Setting("CLINIC_TRACKER_URL", "", text, "a server database for the tracker store")
REDIS_URL = Setting("CLINIC_REDIS_URL", "", text, "Redis: lock store and shared rate limits")
RASA_VENV = Setting("CLINIC_RASA_VENV", "", text, "the Rasa environment (default: .venv-rasa)")
CONSOLE_URL = Setting(
    "CLINIC_CONSOLE_URL", "http://localhost:8000/console", text, "the console, for staff alerts"
)
RASA_PUBLIC_URL = Setting(
    "CLINIC_RASA_PUBLIC_URL", "http://localhost:5005", text, "where browsers reach Rasa"
)
WIDGET_ORIGINS = Setting(
    "CLINIC_WIDGET_ORIGINS", "http://localhost:8000 http://127.0.0.1:8000", words,
    "web pages allowed to embed the widget",
)  # fmt: skip

# --- staff alerts ---------------------------------------------------------------------------
SMTP_HOST = Setting("CLINIC_SMTP_HOST", "", text, "mail server for staff alerts")
SMTP_PORT = Setting("CLINIC_SMTP_PORT", "25", whole_number, "its port")
SMTP_USER = Setting("CLINIC_SMTP_USER", "", text, "its user name")
SMTP_PASSWORD = Setting("CLINIC_SMTP_PASSWORD", "", text, "its password")
SMTP_STARTTLS = Setting("CLINIC_SMTP_STARTTLS", "", switch, "use STARTTLS")
ALERT_FROM = Setting("CLINIC_ALERT_FROM", "assistant@localhost", text, "alerts' sender")
ALERT_TO = Setting("CLINIC_ALERT_TO", "", words, "who gets staff alerts")

# --- the console, retention, privacy --------------------------------------------------------
CONSOLE_SESSION_MINUTES = Setting(
    "CLINIC_CONSOLE_SESSION_MINUTES", "30", whole_number, "idle minutes before sign-out"
)
RETENTION_DAYS = Setting(
    "CLINIC_RETENTION_DAYS", "0", whole_number, "idle days before a conversation is deleted"
)
REDACT = Setting("CLINIC_REDACT", "all", redaction_kinds, "personal details kept out of storage")
REQUIRE_CLINICAL_APPROVAL = Setting(
    "CLINIC_REQUIRE_CLINICAL_APPROVAL", "", switch, "hold back answers not signed off"
)

# --- the patient channel's limits -----------------------------------------------------------
MAX_MESSAGE_CHARS = Setting(
    "CLINIC_MAX_MESSAGE_CHARS", "2000", whole_number, "longest patient message"
)
RATE_PER_CONVERSATION = Setting(
    "CLINIC_RATE_PER_CONVERSATION", "30", whole_number, "messages a minute per conversation"
)
RATE_PER_ADDRESS = Setting(
    "CLINIC_RATE_PER_ADDRESS", "300", whole_number, "messages a minute per address"
)
MAX_BODY_BYTES = Setting(
    "CLINIC_MAX_BODY_BYTES", "65536", whole_number, "largest request body the Rasa server takes"
)
BODY_SECONDS = Setting(
    "CLINIC_BODY_SECONDS", "10", seconds, "time a patient message's body may take to arrive"
)
HEADER_SECONDS = Setting(
    "CLINIC_HEADER_SECONDS", "10", seconds, "time a request's headers may take to arrive"
)
RESPONSE_SECONDS = Setting(
    "CLINIC_RESPONSE_SECONDS", "60", seconds, "longest a request is held by the Rasa server"
)
TRUST_PROXY = Setting(
    "CLINIC_TRUST_PROXY", "", switch, "take the sender's address from X-Forwarded-For"
)

# --- the learning loop (clinic_assistant/learning): paths relative to the project root --------
RASA_SERVERS = Setting(
    "CLINIC_RASA_SERVERS", "http://localhost:5005", words,
    "the Rasa servers the web app loads an activated model into",
)  # fmt: skip
LIVE_MODEL = Setting("CLINIC_LIVE_MODEL", "models/clinic.tar.gz", text, "the model servers load")
RELEASES_DIR = Setting("CLINIC_RELEASES_DIR", "models/releases", text, "trained models kept")
REVIEWED_NLU = Setting(
    "CLINIC_REVIEWED_NLU", "data/nlu/reviewed.yml", text, "the reviewed examples' file"
)
TRAINING_CONFIG = Setting("CLINIC_TRAINING_CONFIG", "config.yml", text, "console training's")
LOW_CONFIDENCE = Setting(
    "CLINIC_LOW_CONFIDENCE", "0.8", fraction, "answers below it go to the inbox"
)
RELEASE_TOLERANCE = Setting(
    "CLINIC_RELEASE_TOLERANCE", "0.02", fraction,
    "how much worse a candidate may measure before activating needs a reason",
)  # fmt: skip

# --- secrets (environment only) -------------------------------------------------------------
CONVERSATION_KEY = Setting(
    "CLINIC_CONVERSATION_KEY", "", text, "the key conversation secrets are derived from"
)
ACTION_SECRET = Setting("CLINIC_ACTION_SECRET", "", text, "the secret Rasa sends the action server")

ALL: tuple[Setting, ...] = tuple(v for v in globals().values() if isinstance(v, Setting))
