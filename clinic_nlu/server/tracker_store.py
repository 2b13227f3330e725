"""Rasa's SQL tracker store, storing patients' messages with personal details redacted.

Actions still see the message as typed (they run before the tracker is saved); what is kept
in the database, and so in every transcript, has emails, phone numbers and dates of birth
replaced (``clinic_common.redaction``; the kinds are the ``CLINIC_REDACT`` setting).

Two costs of Rasa 3.6's store on every message are cut (measured with py-spy): the events of a
conversation are read as plain rows rather than ORM objects, and SQLite keeps one pooled
connection in write-ahead-log mode instead of opening a new file connection per query.

On PostgreSQL, pooled connections are checked before use, so after a database restart the next
message gets a fresh connection instead of an error from a dead one (no server restart needed).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from clinic_common.redaction import redact
from clinic_nlu.server.delivery import PROTECTED, replies_after
from clinic_nlu.server.settings import ServerSettings


def redacted_event(data: dict[str, Any], kinds: tuple[str, ...]) -> dict[str, Any]:
    if data.get("event") != "user" or not kinds:
        return data
    if isinstance(data.get("text"), str):
        data["text"] = redact(data["text"], kinds)
    parse_data = data.get("parse_data") or {}
    if isinstance(parse_data.get("text"), str):
        parse_data["text"] = redact(parse_data["text"], kinds)
    return data


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL lets the staff console read transcripts while Rasa writes; NORMAL sync is durable
    # across application crashes, which is what a WAL database promises.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class RedactingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redact_kinds = ServerSettings.from_env().redact
        url = self.engine.url
        if self.engine.dialect.name == "sqlite" and url.database:
            self._replace_engine(
                poolclass=sa.pool.QueuePool,
                pool_size=1,
                max_overflow=4,
                # Rasa uses the store from its event loop's thread only; the pool may hand a
                # connection to another thread after it was returned.
                connect_args={"check_same_thread": False},
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        elif self.engine.dialect.name == "postgresql":
            self._replace_engine(pool_pre_ping=True, **create_engine_kwargs(url))

    def _replace_engine(self, **options: Any) -> None:
        """Rasa's engine for the same database, rebuilt with other pool options."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, **options)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """SQLTrackerStore._retrieve (Rasa 3.6), reading the events' JSON as plain rows."""
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            rows = session.execute(query.with_entities(self.SQLEvent.data).statement)
            events = [json.loads(data) for (data,) in rows]
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def exists(self, conversation_id: str) -> bool:
        """One indexed query, not the whole tracker: asked of every conversation's first
        message (clinic_nlu.server.channels: only a new conversation may start without its
        secret)."""
        with self.session_scope() as session:
            found = session.execute(
                sa.select(self.SQLEvent.id).where(self.SQLEvent.sender_id == conversation_id)
                .limit(1)
            ).scalar()  # fmt: skip
        return found is not None

    def protected(self, sender_id: str) -> bool:
        """Whether a message of the conversation is marked protected: one indexed query."""
        needle = json.dumps({PROTECTED: True})[1:-1]
        with self.session_scope() as session:
            found = session.execute(
                sa.select(self.SQLEvent.id)
                .where(self.SQLEvent.sender_id == sender_id)
                .where(self.SQLEvent.type_name == "user")
                .where(self.SQLEvent.data.contains(needle, autoescape=True))
                .limit(1)
            ).scalar()
        return found is not None

    def replies_to(self, sender_id: str, message_id: str) -> list[dict[str, Any]] | None:
        """The bot messages stored after the message ``message_id``; None if it is not stored.

        One indexed query for the usual case, a message never seen before.
        """
        needle = json.dumps({"message_id": message_id})[1:-1]
        with self.session_scope() as session:
            first = session.execute(
                sa.select(self.SQLEvent.id)
                .where(self.SQLEvent.sender_id == sender_id)
                .where(self.SQLEvent.type_name == "user")
                .where(self.SQLEvent.data.contains(needle, autoescape=True))
                .order_by(self.SQLEvent.id)
                .limit(1)
            ).scalar()
            if first is None:
                return None
            rows = session.execute(
                sa.select(self.SQLEvent.data)
                .where(self.SQLEvent.sender_id == sender_id)
                .where(self.SQLEvent.id >= first)
                .order_by(self.SQLEvent.id)
            )
            return replies_after((json.loads(data) for (data,) in rows), message_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save (Rasa 3.6), with the redaction of each new user event."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = redacted_event(event.as_dict(), self.redact_kinds)
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {})
                        .get("intent", {})
                        .get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
