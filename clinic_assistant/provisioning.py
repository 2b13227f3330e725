"""Getting the application database ready: migrations, then the curated answers."""

from __future__ import annotations

from pathlib import Path

from clinic_assistant.answers.catalogue import load_catalogue
from clinic_assistant.answers.seeding import SeedReport, seed_catalogue
from clinic_assistant.db import Database
from clinic_assistant.db.migrate import upgrade
from clinic_assistant.settings import Settings


def ensure_server_database(url: str) -> None:
    """Create a PostgreSQL database named in ``url`` if it does not exist yet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if not target.get_backend_name().startswith("postgres"):
        return
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            ).first()
            if not exists:
                # The name comes from the operator's own setting, not from a request.
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def prepare_database(settings: Settings) -> SeedReport:
    """Migrate the application database and seed the curated answers into it (idempotent)."""
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    ensure_server_database(settings.database_url)
    if settings.tracker_url:
        tracker = settings.tracker_url.replace("postgresql://", "postgresql+psycopg://", 1)
        ensure_server_database(tracker)
    # Load first: a broken catalogue must stop the start before anything is changed.
    catalogue = load_catalogue(settings.root / "data" / "answers")
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    try:
        with database.unit_of_work() as session:
            return seed_catalogue(session, catalogue)
    finally:
        database.dispose()
