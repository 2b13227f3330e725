"""Helpers for tests that run the real servers: free ports, a patient chat, a stack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from clinic_assistant.provisioning import prepare_database
from clinic_assistant.runtime.processes import Supervisor
from clinic_assistant.runtime.stack import Stack, StackConfig, free_port
from clinic_assistant.settings import Settings

API_TOKEN = "conversation-tests-token"


@dataclass
class Chat:
    """A patient talking to the running assistant through the REST channel."""

    config: StackConfig
    sender: str

    def say(self, message: str) -> list[dict[str, Any]]:
        response = requests.post(
            self.config.webhook_url, json={"sender": self.sender, "message": message}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def tracker(self) -> dict[str, Any]:
        url = f"{self.config.rasa_url}/conversations/{self.sender}/tracker"
        response = requests.get(url, params={"token": API_TOKEN}, timeout=30)
        response.raise_for_status()
        return response.json()


def stack_settings(project_root: Path, directory: Path, smtp_port: int | None = None) -> Settings:
    env = {
        "CLINIC_ROOT": str(project_root),
        "CLINIC_DATABASE_URL": f"sqlite:///{directory / 'clinic.db'}",
        "CLINIC_TRACKER_DB": str(directory / "tracker.db"),
        "CLINIC_NAME": "Riverside Breast Unit",
        "CLINIC_TEAM_PHONE": "01632 960 123",
        "CLINIC_TEAM_HOURS": "8am to 6pm on weekdays",
        "CLINIC_OUT_OF_HOURS_PHONE": "01632 960 999",
        "CLINIC_EMERGENCY_NUMBER": "999",
        # Every test patient comes from 127.0.0.1: only the per-conversation limit applies.
        "CLINIC_RATE_PER_ADDRESS": "0",
    }
    if smtp_port is not None:
        env |= {
            "CLINIC_SMTP_HOST": "127.0.0.1",
            "CLINIC_SMTP_PORT": str(smtp_port),
            "CLINIC_ALERT_FROM": "assistant@clinic.test",
            "CLINIC_ALERT_TO": "nurses@clinic.test",
        }
    return Settings.from_env(env)


def start_stack(settings: Settings, model: Path, directory: Path) -> Stack:
    prepare_database(settings)
    config = StackConfig(
        settings=settings,
        model=model,
        run_dir=directory / "run",
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        api_token=API_TOKEN,
    )
    log = directory / "stack.log"
    stack = Stack(config, Supervisor(log_file=log))
    try:
        stack.start()
    except Exception:
        print(log.read_text() if log.exists() else "(no output)")
        raise
    return stack
