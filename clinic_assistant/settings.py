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
from clinic_common import settings as spec
from clinic_common.redaction import KINDS

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _under(root: Path, value: str) -> Path:
    """A path setting; a relative one is relative to the project root."""
    path = Path(value)
    return path if path.is_absolute() else root / path


@dataclass(frozen=True)
class ClinicDetails:
    """What patients are told about how to reach people. Used in answer text placeholders."""

    name: str
    team_phone: str
    team_hours: str
    emergency_number: str
    # A crisis line for patients in despair, and how to raise a complaint (issue 13).
    crisis_line: str = spec.CRISIS_LINE.default_value
    complaints: str = spec.COMPLAINTS.default_value
    # The number for problems that must be seen today when the day line is closed, when the
    # day line is open ("Mon-Fri 09:00-17:00"; "" when not known: both numbers are given),
    # and the clinic's time zone, which decides what "now" is.
    out_of_hours_phone: str = ""
    team_line_open: str = ""
    timezone: str = spec.TIMEZONE.default_value

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
    port: int = spec.SMTP_PORT.default_value
    username: str = ""
    password: str = ""
    starttls: bool = False
    sender: str = spec.ALERT_FROM.default_value
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
    # The Rasa environment (Rasa 3.6.21 and its old pins): .venv-rasa unless set.
    rasa_venv: Path | None = None
    email: EmailSettings = EmailSettings()
    # Links in staff alerts point here (the staff console).
    console_url: str = spec.CONSOLE_URL.default_value
    # A console session ends after this many minutes without a request.
    console_session_minutes: int = spec.CONSOLE_SESSION_MINUTES.default_value
    # Where browsers reach the Rasa server's REST channel (the widget talks to it), and the
    # web pages allowed to embed the widget (CORS allow-list of the Rasa server).
    rasa_public_url: str = spec.RASA_PUBLIC_URL.default_value
    widget_origins: tuple[str, ...] = spec.WIDGET_ORIGINS.default_value
    # Personal details replaced in everything stored and logged (clinic_common.redaction).
    redact: tuple[str, ...] = KINDS
    # Conversations idle for longer are deleted by the retention job (0: the job must be told).
    retention_days: int = 0
    # The patient channel's limits: message length, and messages per minute per conversation
    # and per address (0: no limit).
    max_message_chars: int = spec.MAX_MESSAGE_CHARS.default_value
    rate_per_conversation: int = spec.RATE_PER_CONVERSATION.default_value
    rate_per_address: int = spec.RATE_PER_ADDRESS.default_value
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
    rasa_servers: tuple[str, ...] = spec.RASA_SERVERS.default_value
    live_model: Path = Path(spec.LIVE_MODEL.default_value)
    releases_dir: Path = Path(spec.RELEASES_DIR.default_value)
    reviewed_nlu: Path = Path(spec.REVIEWED_NLU.default_value)
    training_config: Path = Path(spec.TRAINING_CONFIG.default_value)
    low_confidence: float = spec.LOW_CONFIDENCE.default_value
    release_tolerance: float = spec.RELEASE_TOLERANCE.default_value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every setting (clinic_common.settings declares each one and its default)."""
        env = os.environ if environ is None else environ
        root = Path(spec.ROOT.read(env) or PROJECT_ROOT).resolve()
        var = root / "var"
        return cls(
            root=root,
            database_url=spec.DATABASE_URL.read(env) or f"sqlite:///{var / 'clinic.db'}",
            tracker_database_path=Path(spec.TRACKER_DB.read(env) or var / "rasa_tracker.db"),
            tracker_url=spec.TRACKER_URL.read(env),
            redis_url=spec.REDIS_URL.read(env),
            rasa_venv=Path(spec.RASA_VENV.read(env) or root / ".venv-rasa"),
            clinic=ClinicDetails(
                name=spec.CLINIC_NAME.read(env),
                team_phone=spec.TEAM_PHONE.read(env),
                team_hours=spec.TEAM_HOURS.read(env),
                emergency_number=spec.EMERGENCY_NUMBER.read(env),
                crisis_line=spec.CRISIS_LINE.read(env),
                complaints=spec.COMPLAINTS.read(env),
                out_of_hours_phone=spec.OUT_OF_HOURS_PHONE.read(env),
                team_line_open=spec.TEAM_LINE_OPEN.read(env),
                timezone=spec.TIMEZONE.read(env),
            ),
            email=EmailSettings(
                host=spec.SMTP_HOST.read(env),
                port=spec.SMTP_PORT.read(env),
                username=spec.SMTP_USER.read(env),
                password=spec.SMTP_PASSWORD.read(env),
                starttls=spec.SMTP_STARTTLS.read(env),
                sender=spec.ALERT_FROM.read(env),
                recipients=spec.ALERT_TO.read(env),
            ),
            console_url=spec.CONSOLE_URL.read(env).rstrip("/"),
            console_session_minutes=spec.CONSOLE_SESSION_MINUTES.read(env),
            rasa_public_url=spec.RASA_PUBLIC_URL.read(env).rstrip("/"),
            widget_origins=spec.WIDGET_ORIGINS.read(env),
            redact=spec.REDACT.read(env),
            retention_days=spec.RETENTION_DAYS.read(env),
            max_message_chars=spec.MAX_MESSAGE_CHARS.read(env),
            rate_per_conversation=spec.RATE_PER_CONVERSATION.read(env),
            rate_per_address=spec.RATE_PER_ADDRESS.read(env),
            conversation_key=spec.CONVERSATION_KEY.read(env),
            action_secret=spec.ACTION_SECRET.read(env),
            require_clinical_approval=spec.REQUIRE_CLINICAL_APPROVAL.read(env),
            rasa_servers=tuple(url.rstrip("/") for url in spec.RASA_SERVERS.read(env)),
            live_model=_under(root, spec.LIVE_MODEL.read(env)),
            releases_dir=_under(root, spec.RELEASES_DIR.read(env)),
            reviewed_nlu=_under(root, spec.REVIEWED_NLU.read(env)),
            training_config=_under(root, spec.TRAINING_CONFIG.read(env)),
            low_confidence=spec.LOW_CONFIDENCE.read(env),
            release_tolerance=spec.RELEASE_TOLERANCE.read(env),
        )

    def to_env(self) -> dict[str, str]:
        """These settings as environment variables, for the processes this one starts."""
        return {
            "CLINIC_ROOT": str(self.root),
            "CLINIC_DATABASE_URL": self.database_url,
            "CLINIC_TRACKER_DB": str(self.tracker_database_path),
            "CLINIC_TRACKER_URL": self.tracker_url,
            "CLINIC_REDIS_URL": self.redis_url,
            "CLINIC_RASA_VENV": str(self.rasa_venv or ""),
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
