"""Getting the application database ready: migrations, then the curated answers."""

from __future__ import annotations

from pathlib import Path

from clinic_assistant.answers.catalogue import load_catalogue
from clinic_assistant.answers.seeding import SeedReport, seed_catalogue
from clinic_assistant.db import Database
from clinic_assistant.db.migrate import upgrade
from clinic_assistant.settings import Settings


def prepare_database(settings: Settings) -> SeedReport:
    """Migrate the application database and seed the curated answers into it (idempotent)."""
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    # Load first: a broken catalogue must stop the start before anything is changed.
    catalogue = load_catalogue(settings.root / "data" / "answers")
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    try:
        with database.unit_of_work() as session:
            return seed_catalogue(session, catalogue)
    finally:
        database.dispose()
