"""Settings, read from the environment with defaults that need no server.

Every setting is an environment variable; the defaults give a self-contained local install
(SQLite files under ``var/``). Clinic details are settings so each clinic sets its own.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from clinic_assistant.phone_lines import parse_opening_hours, urgent_phone
from clinic_common.redaction import KINDS, configured_kinds

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _non_negative_int(env: Mapping[str, str], name: str, default: int = 0) -> int:
    raw = env.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} cannot be negative")
    return value


def _fraction(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip() or str(default)
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number between 0 and 1, not {raw!r}") from None
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1")
    return value


def _path(env: Mapping[str, str], root: Path, name: str, default: str) -> Path:
    """A path setting; a relative one is relative to the project root."""
    path = Path(env.get(name, "").strip() or default)
    return path if path.is_absolute() else root / path


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class ClinicDetails:
    """What patients are told about how to reach people. Used in answer text placeholders."""

    name: str
    team_phone: str
    team_hours: str
    emergency_number: str
    # A crisis line for patients in despair, and how to raise a complaint (issue 13).
    crisis_line: str = "Samaritans, free, day or night, on 116 123"
    complaints: str = "ask the team for the clinic's complaints procedure (PALS in the NHS)"
    # The number for problems that must be seen today when the day line is closed, when the
    # day line is open ("Mon-Fri 09:00-17:00"; "" when not known: both numbers are given),
    # and the clinic's time zone, which decides what "now" is.
    out_of_hours_phone: str = ""
    team_line_open: str = ""
    timezone: str = "Europe/London"

    def __post_init__(self) -> None:
        parse_opening_hours(self.team_line_open)  # a typo fails at start, not with a patient

    def urgent_phone(self, now: datetime | None = None) -> str:
        """The number to ring now about a problem that must be seen today (or both)."""
        opening = parse_opening_hours(self.team_line_open)
        return urgent_phone(self.team_phone, self.team_hours, self.out_of_hours_phone, opening,
                            self.timezone, now)  # fmt: skip

    def placeholders(self, now: datetime | None = None) -> dict[str, str]:
        return {
            "clinic_name": self.name,
            "team_phone": self.team_phone,
            "team_hours": self.team_hours,
            "urgent_phone": self.urgent_phone(now),
            "emergency_number": self.emergency_number,
            "crisis_line": self.crisis_line,
            "complaints": self.complaints,
        }


@dataclass(frozen=True)
class EmailSettings:
    """Where staff alerts about urgent flags go. No host: alerts are recorded, not sent."""

    host: str = ""
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    sender: str = "assistant@localhost"
    recipients: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.host and self.recipients)


@dataclass(frozen=True)
class Settings:
    root: Path
    database_url: str
    tracker_database_path: Path
    clinic: ClinicDetails
    # Production: the tracker store in a server database (an SQLAlchemy URL, e.g.
    # postgresql://user:secret@db:5432/clinic) instead of the SQLite file, and Redis as the
    # lock store (and for rate limits) so that several Rasa servers can share the work.
    tracker_url: str = ""
    redis_url: str = ""
    email: EmailSettings = EmailSettings()
    # Links in staff alerts point here (the staff console).
    console_url: str = "http://localhost:8000/console"
    # A console session ends after this many minutes without a request.
    console_session_minutes: int = 30
    # Where browsers reach the Rasa server's REST channel (the widget talks to it), and the
    # web pages allowed to embed the widget (CORS allow-list of the Rasa server).
    rasa_public_url: str = "http://localhost:5005"
    widget_origins: tuple[str, ...] = ("http://localhost:8000", "http://127.0.0.1:8000")
    # Personal details replaced in everything stored and logged (clinic_common.redaction).
    redact: tuple[str, ...] = KINDS
    # Conversations idle for longer are deleted by the retention job (0: the job must be told).
    retention_days: int = 0
    # The patient channel's limits: message length, and messages per minute per conversation
    # and per address (0: no limit).
    max_message_chars: int = 2000
    rate_per_conversation: int = 30
    rate_per_address: int = 300
    # Secrets (environment only, like RASA_API_TOKEN; ``with_local_secrets`` makes them up for
    # a local install): the key conversation secrets are derived from (clinic_common.
    # conversations), and the secret Rasa sends the action server with every call.
    conversation_key: str = ""
    action_secret: str = ""
    # Hold back answers that still need a clinician's sign-off: the patient gets a short reply
    # (their team will talk it through, and the number) and the nurses a routine flag.
    require_clinical_approval: bool = False
    # The learning loop (clinic_assistant/learning). Where the Rasa servers are reached from
    # the web app (their HTTP API, to load a new model; RASA_API_TOKEN, environment only),
    # the model file they start from, where trained models are kept, the reviewed NLU
    # examples file, the configuration the console trains with, the confidence below which an
    # answered message goes to the inbox, and how much worse a candidate may measure than
    # the live model before activating it needs a written reason.
    rasa_servers: tuple[str, ...] = ("http://localhost:5005",)
    live_model: Path = Path("models/clinic.tar.gz")
    releases_dir: Path = Path("models/releases")
    reviewed_nlu: Path = Path("data/nlu/reviewed.yml")
    training_config: Path = Path("config.yml")
    low_confidence: float = 0.8
    release_tolerance: float = 0.02

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        root = Path(env.get("CLINIC_ROOT", PROJECT_ROOT)).resolve()
        var = root / "var"
        return cls(
            root=root,
            database_url=env.get("CLINIC_DATABASE_URL", f"sqlite:///{var / 'clinic.db'}"),
            tracker_database_path=Path(env.get("CLINIC_TRACKER_DB", var / "rasa_tracker.db")),
            tracker_url=env.get("CLINIC_TRACKER_URL", ""),
            redis_url=env.get("CLINIC_REDIS_URL", ""),
            clinic=ClinicDetails(
                name=env.get("CLINIC_NAME", "the breast clinic"),
                team_phone=env.get("CLINIC_TEAM_PHONE", "the number on your appointment letter"),
                team_hours=env.get("CLINIC_TEAM_HOURS", "Monday to Friday, 9am to 5pm"),
                emergency_number=env.get("CLINIC_EMERGENCY_NUMBER", "999"),
                crisis_line=env.get("CLINIC_CRISIS_LINE", ClinicDetails.crisis_line),
                complaints=env.get("CLINIC_COMPLAINTS", ClinicDetails.complaints),
                out_of_hours_phone=env.get("CLINIC_OUT_OF_HOURS_PHONE", "").strip(),
                team_line_open=env.get("CLINIC_TEAM_LINE_OPEN", ""),
                timezone=env.get("CLINIC_TIMEZONE", "") or ClinicDetails.timezone,
            ),
            email=EmailSettings(
                host=env.get("CLINIC_SMTP_HOST", ""),
                port=int(env.get("CLINIC_SMTP_PORT", "25")),
                username=env.get("CLINIC_SMTP_USER", ""),
                password=env.get("CLINIC_SMTP_PASSWORD", ""),
                starttls=env.get("CLINIC_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
                sender=env.get("CLINIC_ALERT_FROM", "assistant@localhost"),
                recipients=tuple(
                    address.strip()
                    for address in env.get("CLINIC_ALERT_TO", "").split(",")
                    if address.strip()
                ),
            ),
            console_url=env.get("CLINIC_CONSOLE_URL", "http://localhost:8000/console").rstrip("/"),
            console_session_minutes=int(env.get("CLINIC_CONSOLE_SESSION_MINUTES", "30")),
            rasa_public_url=env.get("CLINIC_RASA_PUBLIC_URL", "http://localhost:5005").rstrip("/"),
            widget_origins=tuple(
                env.get("CLINIC_WIDGET_ORIGINS", "http://localhost:8000 http://127.0.0.1:8000")
                .replace(",", " ")
                .split()
            ),
            redact=configured_kinds(env),
            retention_days=_non_negative_int(env, "CLINIC_RETENTION_DAYS"),
            max_message_chars=_non_negative_int(env, "CLINIC_MAX_MESSAGE_CHARS", 2000),
            rate_per_conversation=_non_negative_int(env, "CLINIC_RATE_PER_CONVERSATION", 30),
            rate_per_address=_non_negative_int(env, "CLINIC_RATE_PER_ADDRESS", 300),
            conversation_key=env.get("CLINIC_CONVERSATION_KEY", ""),
            action_secret=env.get("CLINIC_ACTION_SECRET", ""),
            require_clinical_approval=_flag(env, "CLINIC_REQUIRE_CLINICAL_APPROVAL"),
            rasa_servers=tuple(
                url.rstrip("/")
                for url in env.get("CLINIC_RASA_SERVERS", "http://localhost:5005")
                .replace(",", " ")
                .split()
            ),
            live_model=_path(env, root, "CLINIC_LIVE_MODEL", "models/clinic.tar.gz"),
            releases_dir=_path(env, root, "CLINIC_RELEASES_DIR", "models/releases"),
            reviewed_nlu=_path(env, root, "CLINIC_REVIEWED_NLU", "data/nlu/reviewed.yml"),
            training_config=_path(env, root, "CLINIC_TRAINING_CONFIG", "config.yml"),
            low_confidence=_fraction(env, "CLINIC_LOW_CONFIDENCE", 0.8),
            release_tolerance=_fraction(env, "CLINIC_RELEASE_TOLERANCE", 0.02),
        )

    def to_env(self) -> dict[str, str]:
        """These settings as environment variables, for the processes this one starts."""
        return {
            "CLINIC_ROOT": str(self.root),
            "CLINIC_DATABASE_URL": self.database_url,
            "CLINIC_TRACKER_DB": str(self.tracker_database_path),
            "CLINIC_TRACKER_URL": self.tracker_url,
            "CLINIC_REDIS_URL": self.redis_url,
            "CLINIC_NAME": self.clinic.name,
            "CLINIC_TEAM_PHONE": self.clinic.team_phone,
            "CLINIC_TEAM_HOURS": self.clinic.team_hours,
            "CLINIC_EMERGENCY_NUMBER": self.clinic.emergency_number,
            "CLINIC_CRISIS_LINE": self.clinic.crisis_line,
            "CLINIC_COMPLAINTS": self.clinic.complaints,
            "CLINIC_OUT_OF_HOURS_PHONE": self.clinic.out_of_hours_phone,
            "CLINIC_TEAM_LINE_OPEN": self.clinic.team_line_open,
            "CLINIC_TIMEZONE": self.clinic.timezone,
            "CLINIC_REQUIRE_CLINICAL_APPROVAL": "true" if self.require_clinical_approval else "",
            "CLINIC_SMTP_HOST": self.email.host,
            "CLINIC_SMTP_PORT": str(self.email.port),
            "CLINIC_SMTP_USER": self.email.username,
            "CLINIC_SMTP_PASSWORD": self.email.password,
            "CLINIC_SMTP_STARTTLS": "true" if self.email.starttls else "",
            "CLINIC_ALERT_FROM": self.email.sender,
            "CLINIC_ALERT_TO": ",".join(self.email.recipients),
            "CLINIC_CONSOLE_URL": self.console_url,
            "CLINIC_CONSOLE_SESSION_MINUTES": str(self.console_session_minutes),
            "CLINIC_RASA_PUBLIC_URL": self.rasa_public_url,
            "CLINIC_WIDGET_ORIGINS": " ".join(self.widget_origins),
            "CLINIC_REDACT": ",".join(self.redact) or "none",
            "CLINIC_RETENTION_DAYS": str(self.retention_days),
            "CLINIC_MAX_MESSAGE_CHARS": str(self.max_message_chars),
            "CLINIC_RATE_PER_CONVERSATION": str(self.rate_per_conversation),
            "CLINIC_RATE_PER_ADDRESS": str(self.rate_per_address),
            "CLINIC_CONVERSATION_KEY": self.conversation_key,
            "CLINIC_ACTION_SECRET": self.action_secret,
            "CLINIC_RASA_SERVERS": " ".join(self.rasa_servers),
            "CLINIC_LIVE_MODEL": str(self.live_model),
            "CLINIC_RELEASES_DIR": str(self.releases_dir),
            "CLINIC_REVIEWED_NLU": str(self.reviewed_nlu),
            "CLINIC_TRAINING_CONFIG": str(self.training_config),
            "CLINIC_LOW_CONFIDENCE": str(self.low_confidence),
            "CLINIC_RELEASE_TOLERANCE": str(self.release_tolerance),
        }

    def with_local_secrets(self) -> Settings:
        """These settings with the secrets the environment did not give, for a local install.

        Kept in a file beside the tracker database (owner-only), so that conversations carry
        on after a restart; production sets both in the environment (a Kubernetes Secret).
        """
        if self.conversation_key and self.action_secret:
            return self
        path = self.tracker_database_path.parent / "local-secrets.json"
        stored = json.loads(path.read_text()) if path.exists() else {}
        if not {"conversation_key", "action_secret"} <= stored.keys():
            stored = {name: secrets.token_urlsafe(32)
                      for name in ("conversation_key", "action_secret")}  # fmt: skip
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(json.dumps(stored))
        return replace(self, conversation_key=self.conversation_key or stored["conversation_key"],
                       action_secret=self.action_secret or stored["action_secret"])  # fmt: skip

    @property
    def tracker_reader_url(self) -> str:
        """Where the console reads transcripts: the tracker store, as an SQLAlchemy URL."""
        if not self.tracker_url:
            return f"sqlite:///{self.tracker_database_path}"
        scheme, rest = self.tracker_url.split("://", 1)
        return f"postgresql+psycopg://{rest}" if scheme.startswith("postgres") else self.tracker_url
