"""Fixtures shared by the whole suite, and the rule that a skipped test fails the run."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Browser

from clinic_assistant.answers.catalogue import Catalogue, load_catalogue
from clinic_assistant.answers.seeding import seed_catalogue
from clinic_assistant.app import AppContext
from clinic_assistant.db import Database
from clinic_assistant.db.migrate import upgrade
from clinic_assistant.runtime.stack import Stack
from clinic_assistant.settings import PROJECT_ROOT, Settings
from clinic_assistant.triage import TriageEngine
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.smtp import SmtpServer
from tests.support.stack import Chat, free_port, stack_settings, start_stack

POSTGRES_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A skipped or expected-to-fail test hides something: the run fails, naming it."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    hidden = reporter.stats.get("skipped", []) + reporter.stats.get("xfailed", [])
    if hidden and session.exitstatus == 0:
        names = ", ".join(report.nodeid for report in hidden)
        reporter.write_line(f"FAILED: {len(hidden)} test(s) skipped or xfailed: {names}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def catalogue(project_root: Path) -> Catalogue:
    return load_catalogue(project_root / "data" / "answers")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once; each test gets a copy (a database per test)."""
    path = tmp_path_factory.mktemp("template") / "clinic.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated once; each test gets a copy made from it."""
    name = f"clinic_template_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    upgrade(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    yield name
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "clinic.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database_url(request: pytest.FixtureRequest, database_url: str) -> Iterator[str]:
    """The same test on SQLite (the default) and PostgreSQL (production)."""
    if request.param == "sqlite":
        yield database_url
        return
    template = request.getfixturevalue("postgres_template")
    name = f"clinic_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database(any_database_url: str) -> Iterator[Database]:
    db = Database(any_database_url)
    yield db
    db.dispose()


@pytest.fixture
def seeded_database(database: Database, catalogue: Catalogue) -> Database:
    with database.unit_of_work() as session:
        seed_catalogue(session, catalogue)
    return database


@pytest.fixture
def settings(tmp_path: Path, project_root: Path, database_url: str) -> Settings:
    return Settings.from_env(
        {
            "CLINIC_ROOT": str(project_root),
            "CLINIC_DATABASE_URL": database_url,
            "CLINIC_TRACKER_DB": str(tmp_path / "tracker.db"),
            "CLINIC_NAME": "Riverside Breast Unit",
            "CLINIC_TEAM_PHONE": "01632 960 123",
            "CLINIC_TEAM_HOURS": "8am to 6pm on weekdays",
            "CLINIC_OUT_OF_HOURS_PHONE": "01632 960 999",
            "CLINIC_EMERGENCY_NUMBER": "999",
        }
    )


@pytest.fixture(scope="session")
def triage_engine(project_root: Path) -> TriageEngine:
    return TriageEngine(project_root / "data" / "triage")


@pytest.fixture
def app_context(
    settings: Settings, catalogue: Catalogue, triage_engine: TriageEngine
) -> Iterator[AppContext]:
    app = AppContext(settings)
    app.__dict__["triage"] = triage_engine  # built once per session: it takes a moment
    with app.database.unit_of_work() as session:
        seed_catalogue(session, catalogue)
    yield app
    app.close()


@pytest.fixture(scope="session")
def trained_model(project_root: Path) -> Path:
    """The trained model, trained first if its inputs changed since the last training."""
    from clinic_assistant.runtime.model import RasaEnvironment, train

    return train(RasaEnvironment(project_root))


# ---------------------------------------------------------------------------------------------
# The running product: a real Rasa server, action server and web app for the whole session, on
# free ports with databases of their own, sending staff alerts to a real SMTP server on
# localhost. Conversation and browser tests use it.


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer(free_port()) as server:
        yield server


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    project_root: Path,
    trained_model: Path,
    smtp_server: SmtpServer,
) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("stack")
    settings = stack_settings(project_root, directory, smtp_port=smtp_server.port)
    running = start_stack(settings, trained_model, directory)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def stack_database(stack: Stack) -> Iterator[Database]:
    """The running stack's application database, to check the flags it recorded."""
    database = Database(stack.config.settings.database_url)
    yield database
    database.dispose()


@pytest.fixture
def chat(stack: Stack) -> Chat:
    """A new patient (a new conversation id) talking to the running stack."""
    return Chat(stack.config, sender=f"patient-{uuid.uuid4().hex[:10]}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium for the browser and production tests (tests/support/browser.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
