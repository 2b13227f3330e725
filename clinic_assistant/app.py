"""The application context a process works with: settings and the database handle.

The action server builds one on first use (``current()``); tests build their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy.orm import Session

from clinic_assistant.answers.service import AnswerService
from clinic_assistant.db import Database
from clinic_assistant.settings import Settings


class AppContext:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = Database(settings.database_url)

    @contextmanager
    def answers(self) -> Iterator[AnswerService]:
        """An answer service inside one unit of work."""
        with self.database.unit_of_work() as session:
            yield self.answer_service(session)

    def answer_service(self, session: Session) -> AnswerService:
        return AnswerService(session, self.settings.clinic.placeholders())


@lru_cache(maxsize=1)
def current() -> AppContext:
    """The process-wide context, created on first use (never at import time)."""
    return AppContext(Settings.from_env())
