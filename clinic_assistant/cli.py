"""Command line: ``python -m clinic_assistant <command>`` (the Makefile calls these)."""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from clinic_assistant.answers.catalogue import CatalogueError
from clinic_assistant.db.migrate import upgrade
from clinic_assistant.provisioning import prepare_database
from clinic_assistant.runtime.model import RasaEnvironment, train
from clinic_assistant.runtime.processes import ProcessFailed, Supervisor
from clinic_assistant.runtime.stack import Stack, StackConfig, StackError
from clinic_assistant.settings import Settings


def command_migrate(settings: Settings, _args: argparse.Namespace) -> None:
    upgrade(settings.database_url)


def command_seed(settings: Settings, _args: argparse.Namespace) -> None:
    print(prepare_database(settings).summary())


def command_train(settings: Settings, args: argparse.Namespace) -> None:
    train(RasaEnvironment.of(settings), force=args.force)


def api_token() -> str:
    """The token for Rasa's HTTP API: RASA_API_TOKEN, or a random one for this run only.

    Secrets come from the environment only: without RASA_API_TOKEN nobody can use the API
    (the patient webhook does not need it; the console reads the database).
    """
    return os.environ.get("RASA_API_TOKEN") or secrets.token_urlsafe(32)


def log_dir(settings: Settings, args: argparse.Namespace) -> Path:
    """Where the servers' full output goes (the terminal shows only what matters)."""
    return args.log_dir or settings.root / "var" / "log"


def _shown(path: Path, settings: Settings) -> str:
    return str(path.relative_to(settings.root) if path.is_relative_to(settings.root) else path)


def command_run(settings: Settings, args: argparse.Namespace) -> None:
    print(prepare_database(settings).summary())
    model = train(RasaEnvironment.of(settings))
    run_dir = settings.root / "var" / "run"
    config = StackConfig(
        settings=settings,
        model=model,
        run_dir=run_dir,
        rasa_port=args.rasa_port,
        action_port=args.action_port,
        web_port=args.web_port,
        api_token=api_token(),
    )
    logs = log_dir(settings, args)
    stack = Stack(config, Supervisor(log_dir=logs))

    def start() -> None:
        print("Starting the action server, the Rasa server and the web app "
              f"(their logs: {_shown(logs, settings)}/)...", flush=True)  # fmt: skip
        stack.start()
        print(
            "\nThe assistant is running:\n"
            f"  Rasa server    {config.rasa_url}  (REST channel: POST {config.webhook_url})\n"
            f"  action server  {config.action_url}\n"
            f"  demo page      {config.web_url}/   (the chat widget)\n"
            f"  staff console  {config.web_url}/console   (first admin: make admin)\n"
            f"  conversations  {settings.tracker_database_path}\n"
            f"  HTTP API       {config.rasa_url}  (token: RASA_API_TOKEN"
            f"{'' if os.environ.get('RASA_API_TOKEN') else ', not set: locked'})\n"
            "Try:\n"
            f"  curl -s {config.webhook_url} -H 'Content-Type: application/json' "
            '-d \'{"sender":"me","message":"what is a TAP flap?"}\'\n'
            f"Full logs: {', '.join(_logs(stack.supervisor, settings))}\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )

    run_until_stopped(start, stack.stop, stack.supervisor.exited)


def _logs(supervisor: Supervisor, settings: Settings) -> list[str]:
    return [_shown(child.log_path, settings) for child in supervisor.children if child.log_path]


def run_until_stopped(start, stop_everything, is_dead) -> None:
    """Start, then wait for Ctrl-C or SIGTERM (or a process dying); then stop everything.

    The signal handlers come first, so Ctrl-C during the start stops everything once started.
    """
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        start()
        while not stopping:
            exited = is_dead()
            if exited:
                print(f"error: {exited.failure('stopped unexpectedly')}", file=sys.stderr)
                print("Stopping everything.", flush=True)
                stop_everything()
                sys.exit(1)
            time.sleep(0.5)
    finally:
        print("Stopping...", flush=True)
        stop_everything()
        print("Stopped.", flush=True)


def command_run_production(settings: Settings, args: argparse.Namespace) -> None:
    """The production topology on this machine (see clinic_assistant/runtime/cluster.py)."""
    from clinic_assistant.runtime.cluster import Cluster, ClusterConfig, print_addresses

    token = os.environ.get("RASA_API_TOKEN", "")
    config = ClusterConfig(
        settings=settings, model=settings.root / "models" / "clinic.tar.gz",
        run_dir=settings.root / "var" / "cluster", api_token=token,
        rasa_ports=tuple(args.rasa_port + n for n in range(args.rasa)),
        action_ports=tuple(args.action_port + n for n in range(args.actions)),
        web_port=args.web_port, more_web_ports=(args.web_port + 1,),
        public_port=args.public_port, internal_port=args.public_port + 1,
    )  # fmt: skip
    config.check()
    print(prepare_database(settings).summary())
    train(RasaEnvironment.of(settings))
    logs = log_dir(settings, args)
    cluster = Cluster(config, Supervisor(log_dir=logs))

    def start() -> None:
        print(f"Starting nginx and the servers (their logs: {_shown(logs, settings)}/)...",
              flush=True)  # fmt: skip
        cluster.start()
        print_addresses(config)

    def watch() -> None:
        # A server that stops is started again, as a cluster scheduler would; the others
        # carry the patients meanwhile. Only nginx stopping ends the run.
        cluster.revive()

    run_until_stopped(start, cluster.stop, watch)


def command_shell(settings: Settings, args: argparse.Namespace) -> None:
    """Talk to the assistant in the terminal with `rasa shell`, with a real action server."""
    print(prepare_database(settings).summary())
    model = train(RasaEnvironment.of(settings))
    config = StackConfig(
        settings=settings, model=model, run_dir=settings.root / "var" / "shell",
        rasa_port=args.rasa_port, action_port=args.action_port,
    )  # fmt: skip
    # The action server's output would mix with the conversation: it goes to its log.
    stack = Stack(config, Supervisor(log_dir=log_dir(settings, args)))
    stack.start_action_server()
    try:
        # Rasa reads the action server's secret from its environment (endpoints.yml names it).
        env = {**stack.rasa_env.env(),
               "CLINIC_ACTION_SECRET": stack.config.settings.action_secret}  # fmt: skip
        subprocess.run(stack.rasa_shell_command(), cwd=settings.root, env=env)
    finally:
        stack.stop()


def command_create_admin(settings: Settings, args: argparse.Namespace) -> None:
    """Create the first admin (or another one) of the staff console."""
    from clinic_assistant.db import Database
    from clinic_assistant.web.security import AccountError, Accounts, audit

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password (at least 10 characters): ")
        if getpass.getpass("The same password again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            sys.exit(2)
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    try:
        with database.unit_of_work() as session:
            accounts = Accounts(session, timedelta(minutes=settings.console_session_minutes))
            member = accounts.create(args.username, args.name or args.username, "admin", password)
            audit(session, "command line", "staff_created", member.username, "role admin")
    except AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    finally:
        database.dispose()
    print(f"Admin {member.username} created. Sign in at {settings.console_url}/login")


def command_retention(settings: Settings, args: argparse.Namespace) -> None:
    """Delete conversations idle for longer than the retention period (and record it)."""
    from clinic_assistant.db import Database
    from clinic_assistant.retention import run_retention
    from clinic_assistant.transcripts import TrackerRetention

    days = args.days if args.days is not None else settings.retention_days
    if days <= 0:
        print("error: say how many days to keep conversations: --days N or "
              "CLINIC_RETENTION_DAYS", file=sys.stderr)  # fmt: skip
        sys.exit(2)
    upgrade(settings.database_url)
    database, tracker = (
        Database(settings.database_url),
        TrackerRetention(settings.tracker_reader_url),
    )
    try:
        report = run_retention(database, tracker, days, dry_run=args.dry_run)
    finally:
        database.dispose()
        tracker.dispose()
    print(report.summary())


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m clinic_assistant", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=command_migrate
    )
    commands.add_parser(
        "seed", help="migrate, then load data/answers into the database"
    ).set_defaults(handler=command_seed)
    train_parser = commands.add_parser("train", help="train the model if its inputs changed")
    train_parser.add_argument("--force", action="store_true", help="train even if up to date")
    train_parser.set_defaults(handler=command_train)
    run_parser = commands.add_parser("run", help="prepare everything and start the servers")
    run_parser.add_argument("--rasa-port", type=int, default=5005)
    run_parser.add_argument("--action-port", type=int, default=5055)
    run_parser.add_argument("--web-port", type=int, default=8000)
    run_parser.set_defaults(handler=command_run)
    shell_parser = commands.add_parser("shell", help="chat in the terminal (rasa shell)")
    shell_parser.add_argument("--rasa-port", type=int, default=5006)
    shell_parser.add_argument("--action-port", type=int, default=5056)
    shell_parser.set_defaults(handler=command_shell)
    cluster_parser = commands.add_parser(
        "run-production", help="several Rasa and action servers behind nginx (PostgreSQL, Redis)"
    )
    cluster_parser.add_argument("--rasa", type=int, default=2, help="Rasa servers")
    cluster_parser.add_argument("--actions", type=int, default=2, help="action servers")
    cluster_parser.add_argument("--rasa-port", type=int, default=5005)
    cluster_parser.add_argument("--action-port", type=int, default=5055)
    cluster_parser.add_argument("--web-port", type=int, default=8000)
    cluster_parser.add_argument("--public-port", type=int, default=8080)
    cluster_parser.set_defaults(handler=command_run_production)
    for command in (run_parser, shell_parser, cluster_parser):
        command.add_argument("--log-dir", type=Path, help="the servers' logs (default: var/log)")
    retention_parser = commands.add_parser(
        "retention", help="delete conversations idle for longer than the retention period"
    )
    retention_parser.add_argument(
        "--days", type=int, help="keep this many days (default: CLINIC_RETENTION_DAYS)"
    )
    retention_parser.add_argument(
        "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
    )
    retention_parser.set_defaults(handler=command_retention)
    admin_parser = commands.add_parser("create-admin", help="create a staff console admin")
    admin_parser.add_argument("--username", required=True)
    admin_parser.add_argument("--name", default="", help="the name shown in the console")
    admin_parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    admin_parser.set_defaults(handler=command_create_admin)
    return main


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    try:
        args.handler(settings, args)
    except (CatalogueError, StackError, ProcessFailed, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
