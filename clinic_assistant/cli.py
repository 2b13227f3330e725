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
from clinic_assistant.runtime.stack import Stack, StackConfig, StackError
from clinic_assistant.settings import Settings


def command_migrate(settings: Settings, _args: argparse.Namespace) -> None:
    upgrade(settings.database_url)


def command_seed(settings: Settings, _args: argparse.Namespace) -> None:
    print(prepare_database(settings).summary())


def command_train(settings: Settings, args: argparse.Namespace) -> None:
    train(RasaEnvironment(settings.root), force=args.force)


def api_token(run_dir: Path) -> str:
    """The token for Rasa's HTTP API: RASA_API_TOKEN, or one generated once and kept private."""
    if token := os.environ.get("RASA_API_TOKEN"):
        return token
    path = run_dir / "api-token"
    if not path.exists():
        run_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


def command_run(settings: Settings, args: argparse.Namespace) -> None:
    print(prepare_database(settings).summary())
    model = train(RasaEnvironment(settings.root))
    run_dir = settings.root / "var" / "run"
    config = StackConfig(
        settings=settings,
        model=model,
        run_dir=run_dir,
        rasa_port=args.rasa_port,
        action_port=args.action_port,
        web_port=args.web_port,
        api_token=api_token(run_dir),
    )
    stack = Stack(config)
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print("Starting the action server and the Rasa server...", flush=True)
    stack.start()
    print(
        "\nThe assistant is running:\n"
        f"  Rasa server    {config.rasa_url}  (REST channel: POST {config.webhook_url})\n"
        f"  action server  {config.action_url}\n"
        f"  staff console  {config.web_url}/console   (first admin: make admin)\n"
        f"  conversations  {settings.tracker_database_path}\n"
        f"  HTTP API token {run_dir / 'api-token'} (or RASA_API_TOKEN)\n"
        "Try:\n"
        f"  curl -s {config.webhook_url} "
        '-d \'{"sender":"me","message":"what is a TAP flap?"}\'\n'
        "Press Ctrl-C to stop.\n",
        flush=True,
    )
    try:
        while not stopping:
            exited = stack.supervisor.exited()
            if exited:
                print(f"The {exited.name} process stopped unexpectedly; stopping everything.")
                stack.stop()
                sys.exit(1)
            time.sleep(0.5)
    finally:
        print("Stopping...", flush=True)
        stack.stop()
        print("Stopped.", flush=True)


def command_shell(settings: Settings, args: argparse.Namespace) -> None:
    """Talk to the assistant in the terminal with `rasa shell`, with a real action server."""
    print(prepare_database(settings).summary())
    model = train(RasaEnvironment(settings.root))
    config = StackConfig(
        settings=settings, model=model, run_dir=settings.root / "var" / "shell",
        rasa_port=args.rasa_port, action_port=args.action_port,
    )  # fmt: skip
    stack = Stack(config)
    stack.start_action_server()
    try:
        subprocess.run(stack.rasa_shell_command(), cwd=settings.root, env=stack.rasa_env.env())
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
    settings = Settings.from_env()
    try:
        args.handler(settings, args)
    except (CatalogueError, StackError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
