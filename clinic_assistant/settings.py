"""Settings, read from the environment with defaults that need no server.

Every setting is an environment variable; the defaults give a self-contained local install
(SQLite files under ``var/``). Clinic details are settings so each clinic sets its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ClinicDetails:
    """What patients are told about how to reach people. Used in answer text placeholders."""

    name: str
    team_phone: str
    team_hours: str
    emergency_number: str

    def placeholders(self) -> dict[str, str]:
        return {
            "clinic_name": self.name,
            "team_phone": self.team_phone,
            "team_hours": self.team_hours,
            "emergency_number": self.emergency_number,
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
    email: EmailSettings = EmailSettings()
    # Links in staff alerts point here (the staff console).
    console_url: str = "http://localhost:8000/console"
    # A console session ends after this many minutes without a request.
    console_session_minutes: int = 30
    # Where browsers reach the Rasa server's REST channel (the widget talks to it), and the
    # web pages allowed to embed the widget (CORS allow-list of the Rasa server).
    rasa_public_url: str = "http://localhost:5005"
    widget_origins: tuple[str, ...] = ("http://localhost:8000", "http://127.0.0.1:8000")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        root = Path(env.get("CLINIC_ROOT", PROJECT_ROOT)).resolve()
        var = root / "var"
        return cls(
            root=root,
            database_url=env.get("CLINIC_DATABASE_URL", f"sqlite:///{var / 'clinic.db'}"),
            tracker_database_path=Path(env.get("CLINIC_TRACKER_DB", var / "rasa_tracker.db")),
            clinic=ClinicDetails(
                name=env.get("CLINIC_NAME", "the breast clinic"),
                team_phone=env.get("CLINIC_TEAM_PHONE", "the number on your appointment letter"),
                team_hours=env.get("CLINIC_TEAM_HOURS", "Monday to Friday, 9am to 5pm"),
                emergency_number=env.get("CLINIC_EMERGENCY_NUMBER", "999"),
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
        )

    def to_env(self) -> dict[str, str]:
        """These settings as environment variables, for the processes this one starts."""
        return {
            "CLINIC_ROOT": str(self.root),
            "CLINIC_DATABASE_URL": self.database_url,
            "CLINIC_TRACKER_DB": str(self.tracker_database_path),
            "CLINIC_NAME": self.clinic.name,
            "CLINIC_TEAM_PHONE": self.clinic.team_phone,
            "CLINIC_TEAM_HOURS": self.clinic.team_hours,
            "CLINIC_EMERGENCY_NUMBER": self.clinic.emergency_number,
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
        }
