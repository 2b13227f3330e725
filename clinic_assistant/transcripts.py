"""Transcripts read from the Rasa tracker store (the conversation's events), for the console."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

_metadata = MetaData()
# Rasa's SQLTrackerStore table, read only.
EVENTS = Table(
    "events", _metadata,
    Column("id", Integer, primary_key=True), Column("sender_id", String(255)),
    Column("type_name", String(255)), Column("timestamp", Float),
    Column("intent_name", String(255)), Column("action_name", String(255)), Column("data", Text),
)  # fmt: skip


@dataclass(frozen=True)
class TranscriptTurn:
    """One message of a transcript, the patient's or the assistant's."""

    speaker: str  # "patient" | "assistant" | "nurse"
    at: datetime
    text: str
    intent: str = ""
    confidence: float | None = None
    topic: str = ""
    answer_id: str = ""
    triage_level: str = ""
    triage_reason: str = ""
    sources: tuple[str, ...] = ()
    buttons: tuple[str, ...] = field(default_factory=tuple)
    # A nurse's line: her name (the live chat's lines sit beside the tracker store).
    author: str = ""

    @property
    def who(self) -> str:
        if self.speaker == "nurse":
            return f"Nurse {self.author}"
        return "Patient" if self.speaker == "patient" else "Assistant"


def _turn(row: Any) -> TranscriptTurn | None:
    data = json.loads(row.data or "{}")
    at = datetime.fromtimestamp(row.timestamp or 0, UTC)
    if row.type_name == "user":
        intent = (data.get("parse_data") or {}).get("intent") or {}
        return TranscriptTurn("patient", at, data.get("text") or "", intent.get("name") or "",
                              intent.get("confidence"))  # fmt: skip
    if row.type_name == "bot" and data.get("text"):
        custom = (data.get("data") or {}).get("custom") or {}
        triage = custom.get("triage") or {}
        buttons = tuple(b.get("title", "") for b in (data.get("data") or {}).get("buttons") or [])
        return TranscriptTurn(
            "assistant", at, data.get("text") or "", topic=custom.get("topic", ""),
            answer_id=custom.get("answer_id", ""), triage_level=triage.get("level", ""),
            triage_reason=triage.get("reason", ""),
            sources=tuple(s.get("publisher", "") for s in custom.get("sources") or []),
            buttons=buttons,
        )  # fmt: skip
    return None


def with_live_lines(turns: list[TranscriptTurn], lines) -> list[TranscriptTurn]:
    """The transcript with the nurses' lines of live chats (joined, wrote, handed back, closed)
    in time order. The patient's messages and the assistant's safety messages during a chat
    are in the tracker store already."""
    nurse_lines = [
        TranscriptTurn("nurse", line.at if line.at.tzinfo else line.at.replace(tzinfo=UTC),
                       line.text, author=line.author)
        for line in lines if line.kind in ("joined", "nurse", "handed_back", "closed")
    ]  # fmt: skip
    return sorted([*turns, *nurse_lines], key=lambda turn: turn.at)


class TrackerReader:
    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url)

    def transcript(self, conversation_id: str) -> list[TranscriptTurn]:
        query = (
            select(EVENTS)
            .where(EVENTS.c.sender_id == conversation_id, EVENTS.c.type_name.in_(("user", "bot")))
            .order_by(EVENTS.c.id)
        )
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
        except (OperationalError, ProgrammingError):
            # No conversation has been stored yet, so Rasa has not created its table.
            return []
        return [turn for row in rows if (turn := _turn(row)) is not None]

    def dispose(self) -> None:
        self.engine.dispose()


class TrackerRetention:
    """The retention job's access to Rasa's tracker store: idle conversations, deleting them."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, pool_pre_ping=True)

    def last_activity(self) -> dict[str, datetime]:
        """When each stored conversation last had an event."""
        query = select(EVENTS.c.sender_id, func.max(EVENTS.c.timestamp)).group_by(
            EVENTS.c.sender_id
        )
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
        except (OperationalError, ProgrammingError):
            return {}  # no conversation stored yet: Rasa has not created its table
        return {sender: datetime.fromtimestamp(ts or 0, UTC) for sender, ts in rows}

    def delete(self, conversation_ids: list[str]) -> int:
        """Delete the conversations' events; how many events were deleted."""
        deleted = 0
        with self.engine.begin() as connection:
            for start in range(0, len(conversation_ids), 500):
                batch = conversation_ids[start : start + 500]
                result = connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(batch)))
                deleted += result.rowcount or 0
        return deleted

    def dispose(self) -> None:
        self.engine.dispose()
