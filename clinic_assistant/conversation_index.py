"""The console's view of conversations: search and filters, CSV export, and insights.

Built on the turn index (``turns``), which the actions write for every patient message, the
flags and the staff reviews, all in the application database.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, case, cast, exists, func, select
from sqlalchemy.orm import Session

from clinic_assistant.db.models import ConversationReview, Flag, TurnRecord
from clinic_common.contract import TRIAGE_LEVELS

PAGE_SIZE = 25
_LEVEL_RANK = case(
    *((TurnRecord.triage_level == level, rank) for rank, level in enumerate(TRIAGE_LEVELS)),
    else_=0,
)


@dataclass(frozen=True)
class ConversationFilter:
    text: str = ""
    date_from: date | None = None
    date_to: date | None = None
    flagged: bool | None = None
    triage_level: str = ""
    topic: str = ""
    fallback: bool | None = None
    reviewed: bool | None = None


@dataclass(frozen=True)
class ConversationSummary:
    conversation_id: str
    started_at: datetime
    last_at: datetime
    messages: int
    highest_level: str
    fallbacks: int
    flagged: bool
    reviewed: bool
    tags: tuple[str, ...] = field(default_factory=tuple)
    topics: tuple[str, ...] = field(default_factory=tuple)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ConversationIndex:
    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _grouped():
        return select(
            TurnRecord.conversation_id,
            func.min(TurnRecord.at).label("started_at"),
            func.max(TurnRecord.at).label("last_at"),
            func.count(TurnRecord.id).label("messages"),
            func.max(_LEVEL_RANK).label("level_rank"),
            func.sum(case((TurnRecord.fallback, 1), else_=0)).label("fallbacks"),
        ).group_by(TurnRecord.conversation_id)

    def _query(self, where: ConversationFilter):
        grouped = self._grouped().subquery()
        conversation = grouped.c.conversation_id

        def any_turn(*conditions):
            return exists().where(TurnRecord.conversation_id == conversation, *conditions)

        flagged = exists().where(Flag.conversation_id == conversation)
        reviewed = exists().where(
            ConversationReview.conversation_id == conversation, ConversationReview.reviewed
        )
        conditions = []
        if where.text:
            pattern = f"%{_escape_like(where.text.lower())}%"
            conditions.append(any_turn(func.lower(TurnRecord.text).like(pattern, escape="\\")))
        if where.date_from:
            conditions.append(grouped.c.last_at >= _day_start(where.date_from))
        if where.date_to:
            conditions.append(grouped.c.started_at < _day_start(where.date_to + timedelta(days=1)))
        if where.triage_level:
            conditions.append(any_turn(TurnRecord.triage_level == where.triage_level))
        if where.topic:
            # topics is a JSON list: its text holds the name in quotes, on SQLite and PostgreSQL.
            conditions.append(any_turn(cast(TurnRecord.topics, String).like(f'%"{where.topic}"%')))
        if where.fallback is not None:
            conditions.append(
                grouped.c.fallbacks > 0 if where.fallback else grouped.c.fallbacks == 0
            )
        if where.flagged is not None:
            conditions.append(flagged if where.flagged else ~flagged)
        if where.reviewed is not None:
            conditions.append(reviewed if where.reviewed else ~reviewed)
        return (
            select(grouped, flagged.label("flagged"), reviewed.label("reviewed"))
            .where(*conditions)
            .order_by(grouped.c.last_at.desc(), conversation)
        )

    def count(self, where: ConversationFilter) -> int:
        query = select(func.count()).select_from(self._query(where).subquery())
        return self.session.scalar(query) or 0

    def page(self, where: ConversationFilter, page: int = 1) -> list[ConversationSummary]:
        query = self._query(where).limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
        return self._summaries(self.session.execute(query).all())

    def all(self, where: ConversationFilter) -> list[ConversationSummary]:
        return self._summaries(self.session.execute(self._query(where)).all())

    def _summaries(self, rows) -> list[ConversationSummary]:
        ids = [row.conversation_id for row in rows]
        reviews = {
            r.conversation_id: r
            for r in self.session.scalars(
                select(ConversationReview).where(ConversationReview.conversation_id.in_(ids))
            )
        }
        topics: dict[str, Counter] = {}
        for conversation_id, turn_topics in self.session.execute(
            select(TurnRecord.conversation_id, TurnRecord.topics).where(
                TurnRecord.conversation_id.in_(ids)
            )
        ):
            topics.setdefault(conversation_id, Counter()).update(turn_topics or [])
        return [
            ConversationSummary(
                conversation_id=row.conversation_id,
                started_at=row.started_at,
                last_at=row.last_at,
                messages=row.messages,
                highest_level=TRIAGE_LEVELS[row.level_rank or 0],
                fallbacks=row.fallbacks or 0,
                flagged=bool(row.flagged),
                reviewed=bool(row.reviewed),
                tags=tuple(reviews[row.conversation_id].tags)
                if row.conversation_id in reviews
                else (),
                topics=tuple(
                    t for t, _ in topics.get(row.conversation_id, Counter()).most_common()
                ),
            )
            for row in rows
        ]

    def csv(self, where: ConversationFilter) -> str:
        """The filtered list as CSV; cells that a spreadsheet would run as formulas are quoted."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["conversation", "started", "last message", "messages", "highest level",
                         "fallbacks", "flagged", "reviewed", "tags", "topics"])  # fmt: skip
        for c in self.all(where):
            writer.writerow([_safe(v) for v in (
                c.conversation_id, c.started_at.isoformat(), c.last_at.isoformat(), c.messages,
                c.highest_level, c.fallbacks, "yes" if c.flagged else "no",
                "yes" if c.reviewed else "no", "; ".join(c.tags), "; ".join(c.topics),
            )])  # fmt: skip
        return out.getvalue()


def _safe(value: object) -> object:
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@dataclass(frozen=True)
class InsightFigures:
    days: list[tuple[str, int]]
    top_topics: list[tuple[str, int]]
    messages: int
    fallback_rate: float
    flags_by_level: list[tuple[str, int]]
    unanswered: list[tuple[str, int]]


class Insights:
    def __init__(self, session: Session) -> None:
        self.session = session

    def figures(self, days: int = 30, today: date | None = None) -> InsightFigures:
        today = today or datetime.now(UTC).date()
        since = _day_start(today - timedelta(days=days - 1))
        rows = self.session.execute(
            select(TurnRecord.conversation_id, TurnRecord.at, TurnRecord.topics,
                   TurnRecord.fallback, TurnRecord.text).where(TurnRecord.at >= since)
        ).all()  # fmt: skip
        first_day: dict[str, date] = {}
        for row in rows:
            day = _aware(row.at).date()
            first_day[row.conversation_id] = min(first_day.get(row.conversation_id, day), day)
        per_day = Counter(first_day.values())
        topics = Counter(t for row in rows for t in (row.topics or []))
        unanswered = Counter(" ".join(row.text.lower().split()) for row in rows if row.fallback)
        by_level = select(Flag.level, func.count(Flag.id)).where(Flag.created_at >= since)
        levels = dict(self.session.execute(by_level.group_by(Flag.level)).all())
        calendar = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
        return InsightFigures(
            days=[(day.isoformat(), per_day.get(day, 0)) for day in calendar],
            top_topics=topics.most_common(10),
            messages=len(rows),
            fallback_rate=sum(1 for r in rows if r.fallback) / len(rows) if rows else 0.0,
            flags_by_level=[(level, levels.get(level, 0)) for level in TRIAGE_LEVELS[1:]],
            unanswered=unanswered.most_common(15),
        )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
