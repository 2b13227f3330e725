"""The production topology, locally: several Rasa servers and action servers behind nginx,
PostgreSQL for the tracker store and the application database, Redis as Rasa's lock store.

    patients ──► nginx :8080 ──► /webhooks/rest/webhook ──► Rasa xN ──► nginx :8081 ──► actions xM
                             └─► /, /widget.js, /console ──► web app xK

With several web apps, a nurse and her patient may be on different ones: the live chat's lines
reach the other through Redis pub/sub (clinic_assistant.live.bus).

Every setting comes from the environment (CLINIC_DATABASE_URL, CLINIC_TRACKER_URL,
CLINIC_REDIS_URL, RASA_API_TOKEN, ...); passwords never go into a file. deploy/kubernetes/
describes the same topology for a cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2

from clinic_assistant.runtime.processes import Supervisor
from clinic_assistant.runtime.stack import Stack, StackConfig, StackError
from clinic_assistant.settings import Settings
from clinic_common import replies

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
RASA_CLUSTER_ENV = {
    # Requests come from nginx on this host; the patient's address is in X-Forwarded-For.
    "CLINIC_TRUST_PROXY": "1",
    # A Rasa server that dies holding a conversation's lock blocks that conversation until
    # the lock expires: 15 s rather than Rasa's 60 (a reply takes well under a second).
    "TICKET_LOCK_LIFETIME": "15",
}


@dataclass(frozen=True)
class ClusterConfig:
    settings: Settings
    model: Path
    run_dir: Path
    api_token: str
    rasa_ports: tuple[int, ...] = (5005, 5006)
    action_ports: tuple[int, ...] = (5055, 5056)
    web_port: int = 8000
    # Further web apps beside the first (live chats between them go through Redis).
    more_web_ports: tuple[int, ...] = ()
    public_port: int = 8080
    internal_port: int = 8081
    # For every Rasa server, on top of the settings (tests shorten limits with it).
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def public_url(self) -> str:
        return f"http://localhost:{self.public_port}"

    @property
    def web_ports(self) -> tuple[int, ...]:
        return (self.web_port, *self.more_web_ports)

    @property
    def widget_origins(self) -> tuple[str, ...]:
        # The public entry, and each web app's own address (as the single stack allows its own).
        own = (self.public_url, f"http://127.0.0.1:{self.public_port}",
               *(f"http://localhost:{port}" for port in self.web_ports))  # fmt: skip
        return tuple(dict.fromkeys((*self.settings.widget_origins, *own)))

    def check(self) -> None:
        missing = [
            name for name, value in (
                ("CLINIC_DATABASE_URL (PostgreSQL)", self.settings.database_url.startswith(
                    "postgresql")),
                ("CLINIC_TRACKER_URL", self.settings.tracker_url),
                ("CLINIC_REDIS_URL", self.settings.redis_url),
                ("RASA_API_TOKEN", self.api_token),
            ) if not value
        ]  # fmt: skip
        if missing:
            raise StackError("the production topology needs " + ", ".join(missing))
        if not Path(NGINX).exists():
            raise StackError("nginx is not installed (`make run-production` installs it)")


NGINX_TEMPLATE = Path("deploy/nginx/clinic.conf.j2")


def nginx_conf(config: ClusterConfig) -> str:
    """nginx's configuration for this topology, from deploy/nginx/clinic.conf.j2."""
    clinic = config.settings.clinic
    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(config.settings.root / NGINX_TEMPLATE.parent),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, autoescape=False,
    )  # fmt: skip
    templates.filters["nginx_string"] = nginx_string
    return templates.get_template(NGINX_TEMPLATE.name).render(
        # As root, nginx's workers would switch to a user that cannot write the run directory.
        run_as_root=os.geteuid() == 0,
        run_dir=config.run_dir,
        widget_origins=config.widget_origins,
        rasa_ports=config.rasa_ports,
        action_ports=config.action_ports,
        web_ports=config.web_ports,
        public_port=config.public_port,
        internal_port=config.internal_port,
        too_large=replies.too_long_reply(None, 0),
        rate_limited=replies.rate_limited_reply(clinic.emergency_number),
        unavailable=replies.unavailable_reply(
            clinic.name, clinic.team_phone, clinic.emergency_number
        ),
    )


def nginx_string(value: str | list | dict) -> str:
    """A string (or JSON for anything else) as one quoted nginx argument."""
    text = value if isinstance(value, str) else json.dumps(value)
    if "$" in text:  # nginx would read it as a variable
        raise StackError(f"'$' cannot go into nginx's configuration: {text[:60]}")
    escaped = text.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


class Cluster:
    """nginx, the web app, and the Rasa and action servers behind it, in one supervisor."""

    def __init__(self, config: ClusterConfig, supervisor: Supervisor | None = None) -> None:
        config.check()
        self.config = config
        self.supervisor = supervisor or Supervisor()
        # name -> (its stack, its kind), so that any of them can be started again.
        self.servers: dict[str, tuple[Stack, str]] = {}

    def _stack(self, rasa_port: int, action_port: int, web_port: int = 0) -> Stack:
        config = self.config
        settings = replace(config.settings, widget_origins=config.widget_origins)
        return Stack(
            StackConfig(settings=settings, model=config.model,
                        run_dir=config.run_dir / f"rasa-{rasa_port}", rasa_port=rasa_port,
                        action_port=action_port, web_port=web_port or config.web_port,
                        api_token=config.api_token,
                        action_endpoint_url=f"http://127.0.0.1:{config.internal_port}",
                        public_url=config.public_url,
                        rasa_extra_env=RASA_CLUSTER_ENV | config.extra_env,
                        rasa_servers=tuple(f"http://127.0.0.1:{p}" for p in config.rasa_ports)),
            self.supervisor,
        )  # fmt: skip

    def start(self, timeout: float = 240.0) -> None:
        config = self.config
        Stack.check_ports(*config.rasa_ports, *config.action_ports, *config.web_ports,
                          config.public_port, config.internal_port)  # fmt: skip
        config.run_dir.mkdir(parents=True, exist_ok=True)
        (config.run_dir / "nginx.conf").write_text(nginx_conf(config))
        self.supervisor.start("nginx", [NGINX, "-c", str(config.run_dir / "nginx.conf"),
                                        "-g", "daemon off;"], cwd=config.run_dir,
                              env=dict(os.environ))  # fmt: skip
        first_rasa, first_actions = config.rasa_ports[0], config.action_ports[0]
        for index, port in enumerate(config.action_ports):
            self.servers[f"actions-{index + 1}"] = (self._stack(first_rasa, port), "actions")
        for index, port in enumerate(config.rasa_ports):
            self.servers[f"rasa-{index + 1}"] = (self._stack(port, first_actions), "rasa")
        self.servers["web"] = (self._stack(first_rasa, first_actions), "web")
        for index, port in enumerate(config.more_web_ports):
            self.servers[f"web-{index + 2}"] = (self._stack(first_rasa, first_actions, port), "web")
        for name, (stack, kind) in self.servers.items():
            stack.prepare_files()
            stack.start_process(kind, name)
        checks = {name: self._health_url(name) for name in self.servers}
        checks["nginx"] = f"{config.public_url}/webhooks/rest/"
        self.servers["web"][0].wait_until_ready(checks, timeout)

    def _health_url(self, name: str) -> str:
        stack, kind = self.servers[name]
        urls = {"rasa": f"{stack.config.rasa_url}/webhooks/rest/",
                "actions": f"{stack.config.action_url}/health",
                "web": f"{stack.config.web_url}/health"}  # fmt: skip
        return urls[kind]

    def restart(self, *names: str, timeout: float = 120.0) -> None:
        """Start servers that stopped (a fault, a crash) again and wait until they answer."""
        for name in names:
            self.supervisor.forget(name)
        for name in names:
            stack, kind = self.servers[name]
            stack.start_process(kind, name)
        checks = {name: self._health_url(name) for name in names}
        self.servers[names[0]][0].wait_until_ready(checks, timeout)

    def revive(self) -> list[str]:
        """Start again every server that stopped on its own; what a cluster scheduler does."""
        revived = []
        stopped = [child for child in self.supervisor.children if not child.running]
        for child in stopped:
            if child.name not in self.servers:
                raise StackError(child.failure("stopped"))
            print(f"{child.failure('stopped')}\nStarting it again.", flush=True)
            revived.append(child.name)
        if revived:
            self.restart(*revived)
        return revived

    def child(self, name: str):
        return next(c for c in self.supervisor.children if c.name == name)

    def stop(self) -> None:
        self.supervisor.stop()


def print_addresses(config: ClusterConfig) -> None:
    print(
        "\nThe production topology is running:\n"
        f"  public entry (nginx)  {config.public_url}  (REST channel, widget, console)\n"
        f"  Rasa servers          {', '.join(str(p) for p in config.rasa_ports)}\n"
        f"  action servers        {', '.join(str(p) for p in config.action_ports)}"
        f" (behind nginx :{config.internal_port})\n"
        f"  web apps              {', '.join(str(p) for p in config.web_ports)}\n"
        "Press Ctrl-C to stop.\n",
        file=sys.stdout, flush=True,
    )  # fmt: skip
