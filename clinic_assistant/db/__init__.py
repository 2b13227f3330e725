"""Data layer: SQLAlchemy 2.x models, the database handle and repositories.

Repositories take a session and never create or commit one; the caller owns the unit of work
(``Database.unit_of_work()``), one per request or action run.
"""

from clinic_assistant.db.database import Database

__all__ = ["Database"]
