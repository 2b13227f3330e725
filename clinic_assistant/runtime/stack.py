"""The running product: the Rasa server and the action server, started and checked together."""

from __future__ import annotations

import os
import socket
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

from clinic_assistant.runtime.model import RasaEnvironment
from clinic_assistant.runtime.processes import Supervisor
from clinic_assistant.settings import Settings


class StackError(RuntimeError):
    pass


@dataclass(frozen=True)
class StackConfig:
    settings: Settings
    model: Path
    run_dir: Path
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8000
    # Rasa's HTTP API (trackers, model) answers only requests carrying this token; the REST
    # webhook patients use stays open.
    api_token: str = ""
    # Rasa's HTTP API (trackers, model) answers only requests carrying this token; the REST
    # webhook patients use stays open.
    api_token: str = ""

    @property
    def rasa_url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://localhost:{self.action_port}"

    @property
    def web_url(self) -> str:
        return f"http://localhost:{self.web_port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    @property
    def widget_origins(self) -> tuple[str, ...]:
        """Pages allowed to call the REST channel from a browser: the settings' and our own."""
        own = (self.web_url, f"http://127.0.0.1:{self.web_port}")
        return tuple(dict.fromkeys((*self.settings.widget_origins, *own)))

    @property
    def endpoints_file(self) -> Path:
        return self.run_dir / "endpoints.yml"


def endpoints(config: StackConfig) -> dict:
    """The Rasa endpoints for this stack; the committed endpoints.yml is the same with defaults."""
    return {
        "action_endpoint": {"url": f"{config.action_url}/webhook"},
        "tracker_store": {
            "type": "SQL",
            "dialect": "sqlite",
            "db": str(config.settings.tracker_database_path),
        },
    }


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def is_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


class Stack:
    """Starts the action server and the Rasa server; ``stop()`` ends both."""

    def __init__(self, config: StackConfig, supervisor: Supervisor | None = None) -> None:
        self.config = config
        self.supervisor = supervisor or Supervisor()
        self.rasa_env = RasaEnvironment(config.settings.root)

    def _app_env(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.config.settings.to_env(),
            # The demo page tells the widget where this stack's Rasa server is.
            "CLINIC_RASA_PUBLIC_URL": self.config.rasa_url,
            "PYTHONPATH": str(self.config.settings.root),
            "SANIC_HOST": self.config.host,
        }

    def start(self, timeout: float = 180.0) -> None:
        """Start the action server, the Rasa server and the web app; return once all answer."""
        config = self.config
        self._prepare(config.rasa_port, config.action_port, config.web_port)
        self._start_action_server()
        root = config.settings.root
        self.supervisor.start("rasa", self._rasa_command(), cwd=root, env=self.rasa_env.env())
        web = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "clinic_assistant.web.app:create_app",
            "--host",
            config.host,
            "--port",
            str(config.web_port),
            "--no-access-log",
        ]
        self.supervisor.start("web", web, cwd=root, env=self._app_env())
        self._wait_until_ready(timeout, rasa=True)

    def start_action_server(self, timeout: float = 60.0) -> None:
        """Start only the action server (for `rasa shell`, which runs its own Rasa server)."""
        self._prepare(self.config.rasa_port, self.config.action_port)
        self._start_action_server()
        self._wait_until_ready(timeout, rasa=False)

    def _prepare(self, *ports: int) -> None:
        for port in ports:
            if _port_in_use(port):
                raise StackError(
                    f"port {port} is already in use: is the assistant already running?"
                )
        self.rasa_env.check()
        config = self.config
        config.run_dir.mkdir(parents=True, exist_ok=True)
        config.settings.tracker_database_path.parent.mkdir(parents=True, exist_ok=True)
        config.endpoints_file.write_text(yaml.safe_dump(endpoints(config), sort_keys=False))

    def _start_action_server(self) -> None:
        command = [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                   "--port", str(self.config.action_port)]  # fmt: skip
        self.supervisor.start(
            "actions", command, cwd=self.config.settings.root, env=self._app_env()
        )

    def _rasa_command(self) -> list[str]:
        config = self.config
        command = [
            str(self.rasa_env.rasa), "run",
            "--model", str(config.model),
            "--interface", config.host,
            "--port", str(config.rasa_port),
            "--credentials", str(config.settings.root / "credentials.yml"),
            "--endpoints", str(config.endpoints_file),
            "--cors", *config.widget_origins,
        ]  # fmt: skip
        if config.api_token:
            command += ["--enable-api", "--auth-token", config.api_token]
        return command

    def rasa_shell_command(self) -> list[str]:
        config = self.config
        return [
            str(self.rasa_env.rasa), "shell",
            "--model", str(config.model),
            "--port", str(config.rasa_port),
            "--endpoints", str(config.endpoints_file),
        ]  # fmt: skip

    def _wait_until_ready(self, timeout: float, *, rasa: bool) -> None:
        checks = {"action server": f"{self.config.action_url}/health"}
        if rasa:
            checks["Rasa server"] = f"{self.config.rasa_url}/webhooks/rest/"
            checks["web app"] = f"{self.config.web_url}/health"
        deadline = time.monotonic() + timeout
        while checks:
            exited = self.supervisor.exited()
            if exited:
                self.stop()
                raise StackError(
                    f"the {exited.name} process stopped during start-up "
                    f"(exit code {exited.process.returncode}); see its output above"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise StackError(f"not ready after {timeout:.0f} s: {', '.join(checks)}")
            checks = {name: url for name, url in checks.items() if not is_ready(url)}
            if checks:
                time.sleep(0.5)

    def stop(self) -> None:
        self.supervisor.stop()
