"""A nurse in the patient's chat: the console's side (who is waiting, join, write, hand back,
close) and the widget's (is a nurse coming, and the lines of the chat as they are written).

Lines are pushed with Server-Sent Events (sse-starlette); each carries its id, so a browser that
reconnects (EventSource sends ``Last-Event-ID``) or polls (``?after=``) gets every line once.
Only the holder of the conversation's secret receives its lines; only signed-in staff see the
console's side, and only the nurse in the chat can write in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session
from sse_starlette import EventSourceResponse

from clinic_assistant.db.repositories import FlagRepository, TurnRepository
from clinic_assistant.live.chats import PATIENT_KINDS, LiveChatError, LiveChats, as_event
from clinic_assistant.live.hours import nurses_available
from clinic_assistant.live.summary import summarise
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
from clinic_assistant.web.routes.patient import Holder, allowed_origin
from clinic_assistant.web.security import StaffContext, audit
from clinic_common.conversations import is_conversation_id, secret_matches

router = APIRouter()
ERRORS = {
    "taken": "Another nurse is already in this chat.",
    "not-active": "No nurse is in this chat now: join it first.",
    "empty": "Write a message first.",
    "long": "A message can have at most 2,000 characters.",
}
PING_SECONDS = 15


def _conversation(conversation_id: str) -> str:
    if not is_conversation_id(conversation_id):
        raise HTTPException(404, "No such conversation")
    return conversation_id


def _after(request: Request, after: int) -> int:
    """Where a stream resumes: the later of ``?after=`` and the browser's Last-Event-ID."""
    last = request.headers.get("last-event-id", "")
    return max(after, int(last) if last.isdigit() else 0)


# ---------------------------------------------------------------------- delivering lines
def _lines_after(session: Session, conversation_id: str, after: int, kinds) -> list[dict]:
    return [as_event(line) for line in LiveChats(session).lines_after(
        conversation_id, after, kinds)]  # fmt: skip


def _read_lines(request: Request, conversation_id: str, after: int, kinds) -> list[dict]:
    """For a stream, which outlives its request: a short unit of work of its own per read."""
    with web(request).database.unit_of_work() as session:
        return _lines_after(session, conversation_id, after, kinds)


async def _lines(request: Request, conversation_id: str, after: int, kinds) -> AsyncIterator:
    """Every line after ``after``, then each new one as it is written, until the browser goes."""
    bus = web(request).live
    with bus.listening(conversation_id) as news:
        while True:
            news.clear()
            lines = await asyncio.to_thread(_read_lines, request, conversation_id, after, kinds)
            for line in lines:
                after = line["id"]
                yield {"id": str(after), "event": "line", "data": json.dumps(line)}
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(news.wait(), bus.db_check_seconds)


def _stream(request: Request, conversation_id: str, after: int, kinds) -> EventSourceResponse:
    return EventSourceResponse(
        _lines(request, conversation_id, _after(request, after), kinds), ping=PING_SECONDS,
        # nginx must pass each line on at once, not buffer the response.
        headers={"X-Accel-Buffering": "no", "Cache-Control": "no-store"},
    )  # fmt: skip


def _publish_when_committed(request: Request, background: BackgroundTasks,
                            conversation_id: str) -> None:  # fmt: skip
    """Wake the conversation's streams once the line is committed (after the response: the
    request's unit of work commits before it is sent)."""
    background.add_task(web(request).live.publish, conversation_id)


# ---------------------------------------------------------------------- the console
@router.get("/console/live")
def live_home(request: Request, staff: Staff, session: Db, error: str = ""):
    waiting = LiveChats(session).waiting()
    return page(request, "live.html", staff, waiting=waiting, error=ERRORS.get(error, ""),
                available=nurses_available(web(request).settings.clinic))  # fmt: skip


@router.get("/console/live/waiting.json")
def waiting_json(staff: Staff, session: Db) -> JSONResponse:
    waiting = LiveChats(session).waiting()
    return JSONResponse({"waiting": [
        {"conversation_id": w.conversation_id, "flag_id": w.flag_id, "reference": w.reference,
         "level": w.level, "reason": w.reason, "since": w.since.isoformat(), "nurse": w.nurse}
        for w in waiting
    ]})  # fmt: skip


@router.post("/console/live/{conversation_id}/join")
def join(request: Request, conversation_id: str, staff: Staff, session: Db,
         background: BackgroundTasks, csrf_token: CsrfField = ""):  # fmt: skip
    check_csrf(staff, csrf_token)
    _conversation(conversation_id)
    try:
        LiveChats(session).join(conversation_id, staff.username, staff.display_name)
    except LiveChatError as error:
        return RedirectResponse(f"/console/live?error={error.code}", status_code=303)
    audit(session, staff.username, "live_chat_joined", conversation_id, "",
          client_address(request))  # fmt: skip
    _publish_when_committed(request, background, conversation_id)
    return RedirectResponse(f"/console/live/{conversation_id}", status_code=303)


@router.get("/console/live/{conversation_id}")
def chat_page(request: Request, conversation_id: str, staff: Staff, session: Db,
              error: str = ""):  # fmt: skip
    _conversation(conversation_id)
    chats = LiveChats(session)
    chat = chats.active(conversation_id)
    lines = chats.lines_after(conversation_id, 0)
    summary = summarise(
        TurnRepository(session).for_conversation(conversation_id),
        FlagRepository(session).for_conversation(conversation_id),
    )
    # The conversation so far: the tracker store's transcript with the nurses' lines in it.
    before = [line for line in lines if line.kind in PATIENT_KINDS]
    turns = with_live_lines(web(request).tracker.transcript(conversation_id), before)
    last_id = lines[-1].id if lines else 0
    mine = chat is not None and chat.nurse_username == staff.username
    return page(request, "live_chat.html", staff, conversation_id=conversation_id, chat=chat,
                mine=mine, turns=turns, summary=summary, last_id=last_id,
                error=ERRORS.get(error, ""))  # fmt: skip


@router.post("/console/live/{conversation_id}/messages")
def nurse_message(
    request: Request,
    conversation_id: str,
    staff: Staff,
    session: Db,
    background: BackgroundTasks,
    text: Annotated[str, Form()] = "",
    csrf_token: CsrfField = "",
):
    check_csrf(staff, csrf_token)
    _conversation(conversation_id)
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        line = LiveChats(session).say(conversation_id, staff.username, staff.display_name, text)
    except LiveChatError as error:
        if wants_json:
            return JSONResponse({"error": str(error), "code": error.code}, status_code=409)
        return RedirectResponse(f"/console/live/{conversation_id}?error={error.code}", 303)
    sent = as_event(line)
    _publish_when_committed(request, background, conversation_id)
    if wants_json:
        return JSONResponse(sent)
    return RedirectResponse(f"/console/live/{conversation_id}", status_code=303)


def _end(request: Request, session: Session, background: BackgroundTasks, conversation_id: str,
         staff: StaffContext, how: str):  # fmt: skip
    _conversation(conversation_id)
    clinic = web(request).settings.clinic
    try:
        chat = LiveChats(session).end(
            conversation_id, staff.username, how, clinic.team_phone, clinic.emergency_number
        )
    except LiveChatError as error:
        return RedirectResponse(f"/console/live/{conversation_id}?error={error.code}", 303)
    audit(session, staff.username, f"live_chat_{chat.status}", conversation_id, "",
          client_address(request))  # fmt: skip
    _publish_when_committed(request, background, conversation_id)
    return RedirectResponse("/console/live", status_code=303)


@router.post("/console/live/{conversation_id}/hand-back")
def hand_back(request: Request, conversation_id: str, staff: Staff, session: Db,
              background: BackgroundTasks, csrf_token: CsrfField = ""):  # fmt: skip
    check_csrf(staff, csrf_token)
    return _end(request, session, background, conversation_id, staff, "hand_back")


@router.post("/console/live/{conversation_id}/close")
def close(request: Request, conversation_id: str, staff: Staff, session: Db,
          background: BackgroundTasks, csrf_token: CsrfField = ""):  # fmt: skip
    check_csrf(staff, csrf_token)
    return _end(request, session, background, conversation_id, staff, "close")


@router.get("/console/live/{conversation_id}/stream")
def nurse_stream(request: Request, conversation_id: str, staff: Staff, after: int = 0):
    return _stream(request, _conversation(conversation_id), after, None)


@router.get("/console/live/{conversation_id}/lines")
def nurse_lines(conversation_id: str, staff: Staff, session: Db, after: int = 0):
    return JSONResponse(_lines_after(session, _conversation(conversation_id), after, None))


# ---------------------------------------------------------------------- the widget
def _secret_holder(request: Request, sender: str, secret: str) -> str:
    """For GETs (EventSource cannot send a body or headers): the secret is in the query."""
    if not allowed_origin(request):
        raise HTTPException(403, "This only works from the clinic's own pages.")
    if not is_conversation_id(sender) or not secret_matches(
        web(request).settings.conversation_key, sender, secret
    ):
        raise HTTPException(403, "Only the browser that holds this conversation can do this.")
    return sender


@router.post("/patient/live/status")
def patient_status(request: Request, sender: Holder, session: Db) -> JSONResponse:
    """Is a nurse in the chat, or can one come now (the team's hours), and from which line on."""
    chats = LiveChats(session)
    chat = chats.active(sender)
    lines = chats.lines_after(sender, 0, PATIENT_KINDS)
    clinic = web(request).settings.clinic
    return JSONResponse({"nurse": chat.nurse_first_name if chat else "",
                         "active": chat is not None,
                         "last_id": lines[-1].id if lines else 0,
                         "in_hours": nurses_available(clinic),
                         "team_hours": clinic.team_hours,
                         "team_phone": clinic.team_phone})  # fmt: skip


@router.get("/patient/live/stream")
def patient_stream(request: Request, sender: str = "", secret: str = "", after: int = 0):
    return _stream(request, _secret_holder(request, sender, secret), after, PATIENT_KINDS)


@router.get("/patient/live/lines")
def patient_lines(request: Request, session: Db, sender: str = "", secret: str = "",
                  after: int = 0):  # fmt: skip
    """The polling fallback: the lines after ``after`` (at most 500)."""
    sender = _secret_holder(request, sender, secret)
    return JSONResponse(_lines_after(session, sender, after, PATIENT_KINDS))
