"""The application context a process works with: settings, database, triage, staff alerts,
transcripts and staff accounts.

One class for both servers of the application environment: the action server builds one on
first use (``current()``), the web app one per app (``app.state.web``), tests their own.
Everything heavy (the database engine, the triage pipeline, the tracker reader, the alert
thread) is created on first use; ``close`` releases what was created.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from clinic_assistant.answers.service import AnswerService
from clinic_assistant.db import Database
from clinic_assistant.live.bus import LiveBus, RedisPublisher
from clinic_assistant.notifications import BackgroundDispatcher, Dispatcher, EmailNotifier
from clinic_assistant.settings import Settings
from clinic_assistant.transcripts import TrackerReader
from clinic_assistant.triage import TriageEngine
from clinic_assistant.web.security import Accounts

if TYPE_CHECKING:
    from clinic_assistant.learning.worker import LearningWorker


class AppContext:
    def __init__(self, settings: Settings, rasa_api_token: str = "") -> None:
        self.settings = settings
        # Rasa's HTTP API token (environment only): the web app loads activated models with it.
        self._rasa_api_token = rasa_api_token

    @cached_property
    def database(self) -> Database:
        return Database(self.settings.database_url)

    @cached_property
    def triage(self) -> TriageEngine:
        return TriageEngine(self.settings.root / "data" / "triage")

    @cached_property
    def dispatcher(self) -> Dispatcher:
        email = self.settings.email
        notifier = EmailNotifier(email, self.settings.console_url) if email.configured else None
        return Dispatcher(self.database, notifier)

    @cached_property
    def alerts(self) -> BackgroundDispatcher:
        return BackgroundDispatcher(self.dispatcher)

    @cached_property
    def tracker(self) -> TrackerReader:
        """The transcripts, read from Rasa's tracker store (the console's view)."""
        return TrackerReader(self.settings.tracker_reader_url)

    def accounts(self, session: Session) -> Accounts:
        inactivity = timedelta(minutes=self.settings.console_session_minutes)
        return Accounts(session, inactivity)

    @cached_property
    def live_publisher(self) -> RedisPublisher | None:
        """Tells the web servers a live chat has a new line (with Redis; else they look)."""
        return RedisPublisher(self.settings.redis_url) if self.settings.redis_url else None

    @cached_property
    def live(self) -> LiveBus:
        """Wakes the web app's live chat streams (in-process, or Redis pub/sub between web
        servers); the web app's lifespan starts and stops it."""
        return LiveBus(self.settings.redis_url)

    @cached_property
    def learning(self) -> LearningWorker:
        """Training and activating models in the background (the web app's; it calls
        ``recover`` at start-up, ``close`` stops a training)."""
        from clinic_assistant.learning.releases import RasaServers
        from clinic_assistant.learning.worker import LearningWorker

        servers = RasaServers(self.settings.rasa_servers, self._rasa_api_token)
        return LearningWorker(self.settings, self.database, servers)

    @contextmanager
    def answers(self) -> Iterator[AnswerService]:
        """An answer service inside one unit of work."""
        with self.database.unit_of_work() as session:
            yield self.answer_service(session)

    def answer_service(self, session: Session) -> AnswerService:
        return AnswerService(session, self.settings.clinic.placeholders())

    def close(self) -> None:
        if "learning" in self.__dict__:
            self.learning.close()
        if "alerts" in self.__dict__:
            self.alerts.stop()
        if "tracker" in self.__dict__:
            self.tracker.dispose()
        publisher = self.__dict__.get("live_publisher")
        if publisher is not None:
            publisher.close()
        if "database" in self.__dict__:
            self.database.dispose()


@lru_cache(maxsize=1)
def current() -> AppContext:
    """The process-wide context, created on first use (never at import time)."""
    return AppContext(Settings.from_env())
