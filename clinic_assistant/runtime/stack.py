"""The running product: the Rasa server and the action server, started and checked together."""

from __future__ import annotations

import os
import socket
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

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
    # Where Rasa calls the actions when not this stack's own action server (a load balancer).
    action_endpoint_url: str = ""
    # Where browsers reach the REST channel when not this stack's Rasa server (a load balancer).
    public_url: str = ""
    # Added to the Rasa server's environment (the cluster's proxy and lock settings).
    rasa_extra_env: dict[str, str] = field(default_factory=dict)
    # Every Rasa server the web app loads a new model on (the cluster's); this stack's own
    # when empty.
    rasa_servers: tuple[str, ...] = ()

    @property
    def rasa_url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://localhost:{self.action_port}"

    @property
    def action_endpoint(self) -> str:
        return self.action_endpoint_url or self.action_url

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


TRACKER_STORE = "clinic_nlu.server.tracker_store.RedactingSQLTrackerStore"


def tracker_store_endpoint(settings: Settings) -> dict:
    """Rasa's tracker store: the SQLite file, or the server database of CLINIC_TRACKER_URL.

    A password is never written to the file: Rasa reads ${CLINIC_TRACKER_PASSWORD} from the
    environment of its process.
    """
    if not settings.tracker_url:
        return {"type": TRACKER_STORE, "dialect": "sqlite",
                "db": str(settings.tracker_database_path)}  # fmt: skip
    url = make_url(settings.tracker_url)
    endpoint = {"type": TRACKER_STORE, "dialect": url.get_backend_name(), "url": url.host,
                "port": url.port or 5432, "db": url.database, "username": url.username}  # fmt: skip
    if url.password:
        endpoint["password"] = "${CLINIC_TRACKER_PASSWORD}"
    return endpoint


def lock_store_endpoint(settings: Settings) -> dict | None:
    """Redis as Rasa's lock store when CLINIC_REDIS_URL is set (in memory otherwise)."""
    if not settings.redis_url:
        return None
    url = make_url(settings.redis_url)
    endpoint = {"type": "redis", "url": url.host or "localhost", "port": url.port or 6379,
                "db": int(url.database or 0), "key_prefix": "clinic"}  # fmt: skip
    if url.password:
        endpoint["password"] = "${CLINIC_REDIS_PASSWORD}"
    return endpoint


def secret_env(settings: Settings) -> dict[str, str]:
    """The passwords the endpoints refer to, for the Rasa process's environment only."""
    env = {}
    for name, raw in (("CLINIC_TRACKER_PASSWORD", settings.tracker_url),
                      ("CLINIC_REDIS_PASSWORD", settings.redis_url)):  # fmt: skip
        if raw and (password := make_url(raw).password):
            env[name] = password
    return env


# Rasa sends it with every action call; the action server refuses calls without it
# (clinic_assistant.action_auth). Read from Rasa's environment, never written to the file.
ACTION_SECRET_HEADER = {"X-Clinic-Action-Secret": "${CLINIC_ACTION_SECRET}"}


def endpoints(config: StackConfig) -> dict:
    """The Rasa endpoints for this stack; the committed endpoints.yml is the same with defaults."""
    result = {
        "action_endpoint": {
            "url": f"{config.action_endpoint}/webhook",
            "headers": dict(ACTION_SECRET_HEADER),
        },
        "tracker_store": tracker_store_endpoint(config.settings),
    }
    if lock_store := lock_store_endpoint(config.settings):
        result["lock_store"] = lock_store
    return result


def free_port() -> int:
    """A port nothing listens on now (for stacks started beside another)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def is_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


class Stack:
    """Starts the action server, the Rasa server and the web app; ``stop()`` ends them all."""

    def __init__(self, config: StackConfig, supervisor: Supervisor | None = None) -> None:
        self.config = replace(config, settings=config.settings.with_local_secrets())
        self.supervisor = supervisor or Supervisor()
        self.rasa_env = RasaEnvironment.of(config.settings)

    def _app_env(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.config.settings.to_env(),
            # The demo page tells the widget where this stack's Rasa server is.
            "CLINIC_RASA_PUBLIC_URL": self.config.public_url or self.config.rasa_url,
            "PYTHONPATH": str(self.config.settings.root),
            "SANIC_HOST": self.config.host,
        }

    def _web_env(self) -> dict[str, str]:
        """The web app also loads activated models on the Rasa servers (their HTTP API)."""
        config = self.config
        env = {**self._app_env(),
               "CLINIC_RASA_SERVERS": " ".join(config.rasa_servers or (config.rasa_url,)),
               "CLINIC_LIVE_MODEL": str(config.model)}  # fmt: skip
        env.pop("RASA_API_TOKEN", None)
        if config.api_token:
            env["RASA_API_TOKEN"] = config.api_token
        return env

    def _rasa_process_env(self) -> dict[str, str]:
        settings = self.config.settings
        env = {**self.rasa_env.server_env(), **settings.to_env(), **secret_env(settings),
               # The channel checks a browser's Origin against the same list as CORS.
               "CLINIC_WIDGET_ORIGINS": " ".join(self.config.widget_origins),
               **self.config.rasa_extra_env}  # fmt: skip
        env.pop("RASA_API_TOKEN", None)
        if self.config.api_token:
            env["RASA_API_TOKEN"] = self.config.api_token
        return env

    def start(self, timeout: float = 180.0) -> None:
        """Start the action server, the Rasa server and the web app; return once all answer."""
        config = self.config
        self.check_ports(config.rasa_port, config.action_port, config.web_port)
        self.prepare_files()
        for kind in ("actions", "rasa", "web"):
            self.start_process(kind)
        self.wait_until_ready(self.health_checks(), timeout)

    def start_action_server(self, timeout: float = 60.0) -> None:
        """Start only the action server (for `rasa shell`, which runs its own Rasa server)."""
        self.check_ports(self.config.rasa_port, self.config.action_port)
        self.prepare_files()
        self.start_process("actions")
        self.wait_until_ready({"action server": f"{self.config.action_url}/health"}, timeout)

    @staticmethod
    def check_ports(*ports: int) -> None:
        for port in ports:
            if port_in_use(port):
                raise StackError(
                    f"port {port} is already in use: is the assistant already running?"
                )

    def prepare_files(self) -> None:
        self.rasa_env.check()
        config = self.config
        config.run_dir.mkdir(parents=True, exist_ok=True)
        config.settings.tracker_database_path.parent.mkdir(parents=True, exist_ok=True)
        config.endpoints_file.write_text(yaml.safe_dump(endpoints(config), sort_keys=False))

    def start_process(self, kind: str, name: str = "") -> None:
        """Start one process of the stack: "actions", "rasa" or "web"."""
        config, root = self.config, self.config.settings.root
        commands = {
            "actions": ([sys.executable, "-m", "clinic_assistant.action_server",
                         "--port", str(config.action_port)], self._app_env()),
            "rasa": (self._rasa_command(), self._rasa_process_env()),
            "web": ([sys.executable, "-m", "uvicorn", "--factory",
                     "clinic_assistant.web.app:create_app", "--host", config.host,
                     "--port", str(config.web_port), "--no-access-log"], self._web_env()),
        }  # fmt: skip
        command, env = commands[kind]
        self.supervisor.start(name or kind, command, cwd=root, env=env)

    def health_checks(self) -> dict[str, str]:
        return {
            "action server": f"{self.config.action_url}/health",
            "Rasa server": f"{self.config.rasa_url}/webhooks/rest/",
            "web app": f"{self.config.web_url}/health",
        }

    def _rasa_command(self) -> list[str]:
        config = self.config
        # clinic_nlu.server.serve is `rasa run` taking the API token from RASA_API_TOKEN in its
        # environment (_rasa_process_env), so that no secret shows in the process list.
        command = [
            str(self.rasa_env.python), "-m", "clinic_nlu.server.serve",
            "--model", str(config.model),
            "--interface", config.host,
            "--port", str(config.rasa_port),
            "--credentials", str(config.settings.root / "credentials.yml"),
            "--endpoints", str(config.endpoints_file),
            "--cors", *config.widget_origins,
        ]  # fmt: skip
        return command

    def rasa_shell_command(self) -> list[str]:
        config = self.config
        return [
            str(self.rasa_env.python), "-m", "clinic_nlu.server.serve", "shell",
            "--model", str(config.model),
            "--port", str(config.rasa_port),
            "--endpoints", str(config.endpoints_file),
        ]  # fmt: skip

    def wait_until_ready(self, checks: dict[str, str], timeout: float) -> None:
        """Wait until every URL answers; stop everything if a process dies or time runs out."""
        deadline = time.monotonic() + timeout
        while checks:
            exited = self.supervisor.exited()
            if exited:
                self.stop()
                raise StackError(exited.failure("stopped during start-up"))
            if time.monotonic() > deadline:
                self.stop()
                raise StackError(f"not ready after {timeout:.0f} s: {', '.join(checks)}")
            checks = {name: url for name, url in checks.items() if not is_ready(url)}
            if checks:
                time.sleep(0.5)

    def stop(self) -> None:
        self.supervisor.stop()
