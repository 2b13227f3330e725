"""Conversations: search and filters, the transcript, reviews, CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from clinic_assistant.conversation_index import (
    PAGE_SIZE,
    ConversationFilter,
    ConversationIndex,
    _safe,
)
from clinic_assistant.db.models import utcnow
from clinic_assistant.db.repositories import FlagRepository, ReviewRepository, TurnRepository
from clinic_assistant.learning.inbox import Inbox
from clinic_assistant.live.chats import LiveChats
from clinic_assistant.transcripts import with_live_lines
from clinic_assistant.web.context import (
    CsrfField,
    Db,
    Staff,
    check_csrf,
    client_address,
    page,
    web,
)
from clinic_assistant.web.security import audit
from clinic_common.contract import TOPICS, TRIAGE_LEVELS
from clinic_common.conversations import is_conversation_id

router = APIRouter(prefix="/console")


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _known_shape(conversation_id: str) -> str:
    """Only ids of the documented set (clinic_common.conversations) name a conversation."""
    if not is_conversation_id(conversation_id):
        raise HTTPException(404, "No such conversation")
    return conversation_id


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filter(request: Request) -> ConversationFilter:
    query = request.query_params
    level = query.get("level", "")
    topic = query.get("topic", "")
    return ConversationFilter(
        text=query.get("q", "").strip()[:200],
        date_from=_date(query.get("from", "")),
        date_to=_date(query.get("to", "")),
        flagged=_yes_no(query.get("flagged", "")),
        triage_level=level if level in TRIAGE_LEVELS else "",
        topic=topic if topic in TOPICS else "",
        fallback=_yes_no(query.get("fallback", "")),
        reviewed=_yes_no(query.get("reviewed", "")),
    )


@router.get("/conversations")
def conversations(request: Request, staff: Staff, session: Db, page_number: int = 1):
    where = _filter(request)
    index = ConversationIndex(session)
    total = index.count(where)
    rows = index.page(where, page_number)
    params = {k: v for k, v in request.query_params.items() if k != "page_number"}
    return page(
        request, "conversations.html", staff, rows=rows, total=total, page_number=page_number,
        pages=max(1, -(-total // PAGE_SIZE)), params=params, levels=TRIAGE_LEVELS,
        topics=TOPICS,
    )  # fmt: skip


@router.get("/conversations.csv")
def export(request: Request, staff: Staff, session: Db) -> Response:
    where = _filter(request)
    content = ConversationIndex(session).csv(where)
    audit(session, staff.username, "conversations_exported", "",
          str(dict(request.query_params)), client_address(request))  # fmt: skip
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(
        content, media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="conversations-{stamp}.csv"'},
    )  # fmt: skip


@router.get("/conversations/{conversation_id}")
def transcript(request: Request, conversation_id: str, staff: Staff, session: Db):
    _known_shape(conversation_id)
    review = ReviewRepository(session).get(conversation_id)
    flags = FlagRepository(session).for_conversation(conversation_id)
    indexed = TurnRepository(session).for_conversation(conversation_id)
    lines = LiveChats(session).lines_after(conversation_id, 0)
    marked = Inbox(session).marked_turns(conversation_id)
    turns = with_live_lines(web(request).tracker.transcript(conversation_id), lines)
    return page(request, "transcript.html", staff, conversation_id=conversation_id,
                turns=turns, review=review, flags=flags, indexed=indexed,
                marked=marked)  # fmt: skip


@router.get("/conversations/{conversation_id}/transcript.csv")
def transcript_csv(request: Request, conversation_id: str, staff: Staff,
                   session: Db) -> Response:  # fmt: skip
    """The transcript with who said what (patient, assistant, or the nurse by name)."""
    _known_shape(conversation_id)
    lines = LiveChats(session).lines_after(conversation_id, 0)
    audit(session, staff.username, "transcript_exported", conversation_id, "",
          client_address(request))  # fmt: skip
    turns = with_live_lines(web(request).tracker.transcript(conversation_id), lines)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time", "who", "text", "topic", "triage level"])
    for turn in turns:
        writer.writerow([_safe(v) for v in (turn.at.isoformat(), turn.who, turn.text, turn.topic,
                                            turn.triage_level)])  # fmt: skip
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="transcript-{conversation_id}.csv"'},
    )


@router.post("/conversations/{conversation_id}/review")
def review(
    request: Request,
    conversation_id: str,
    staff: Staff,
    session: Db,
    csrf_token: CsrfField = "",
    reviewed: Annotated[str, Form()] = "",
    tags: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
):
    check_csrf(staff, csrf_token)
    _known_shape(conversation_id)
    record = ReviewRepository(session).get_or_new(conversation_id)
    now_reviewed = reviewed == "yes"
    if now_reviewed and not record.reviewed:
        record.reviewed_by, record.reviewed_at = staff.username, utcnow()
    record.reviewed = now_reviewed
    record.tags = sorted({t.strip().lower() for t in tags.split(",") if t.strip()})[:20]
    record.notes = notes.strip()[:5000]
    record.updated_at = utcnow()
    audit(session, staff.username, "conversation_reviewed", conversation_id,
          f"reviewed={now_reviewed} tags={','.join(record.tags)}",
          client_address(request))  # fmt: skip
    return RedirectResponse(f"/console/conversations/{conversation_id}", status_code=303)
