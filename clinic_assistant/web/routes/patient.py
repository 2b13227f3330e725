"""A patient's rights over their conversation, from the widget: download it, or delete it.

Only the holder of the conversation's secret (clinic_common.conversations; the widget keeps
it) can do either. "Forget me" deletes the transcript, the turn index and staff reviews; a flag
the nurses have not resolved keeps only what they need to act safely (the message that raised
it, its level and reason, a call-back number the patient gave), and says that the patient
deleted the conversation. Both are in the audit log, by conversation id, with no patient text.

The widget runs on the clinic's pages, so these answer the widget's origins
(``CLINIC_WIDGET_ORIGINS``) and this site's own: a browser sending another ``Origin`` is
refused, and only JSON is read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from clinic_assistant.db.models import Flag, FlagEvent
from clinic_assistant.db.repositories import RetentionRepository
from clinic_assistant.live.chats import LiveChats
from clinic_assistant.transcripts import TrackerRetention, TranscriptTurn, with_live_lines
from clinic_assistant.web.context import Db, client_address, web
from clinic_assistant.web.security import audit
from clinic_common.conversations import is_conversation_id, secret_matches

router = APIRouter(prefix="/patient")
ACTOR = "patient"


def allowed_origin(request: Request) -> bool:
    """No Origin (not a browser), this site, or one of the pages that embed the widget."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin is None or origin == own or origin in web(request).settings.widget_origins


async def _holder(request: Request) -> str:
    """The conversation id of a request that proves it holds the conversation's secret."""
    if not allowed_origin(request):
        raise HTTPException(403, "This only works from the clinic's own pages.")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise HTTPException(415, "Send JSON.")
    try:
        body: Any = await request.json()
    except ValueError:
        body = None
    sender = body.get("sender") if isinstance(body, dict) else None
    secret = body.get("secret") if isinstance(body, dict) else None
    key = web(request).settings.conversation_key
    if not (isinstance(sender, str) and is_conversation_id(sender) and isinstance(secret, str)
            and secret_matches(key, sender, secret)):  # fmt: skip
        raise HTTPException(403, "Only the browser that holds this conversation can do this.")
    return sender


# Route parameter: the conversation of the request, proven by its secret. Declared before the
# unit of work (Db), so the body is read before the database is held.
Holder = Annotated[str, Depends(_holder)]


async def _json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (Starlette keeps the body once ``_holder`` has read it)."""
    body = await request.json()
    return body if isinstance(body, dict) else {}


JsonBody = Annotated[dict[str, Any], Depends(_json_body)]


def retention_notice(days: int) -> str:
    kept = f"for {days} days after your last message" if days else "by the clinic"
    return (f"This conversation is kept {kept}, without your email, phone number or date of "
            "birth. You can download it or delete it.")  # fmt: skip


@router.get("/privacy")
def privacy(request: Request) -> JSONResponse:
    days = web(request).settings.retention_days
    return JSONResponse({"retention_days": days, "notice": retention_notice(days)})


def as_text(conversation_id: str, turns: list[TranscriptTurn]) -> str:
    lines = [f"Conversation {conversation_id}", ""]
    for turn in turns:
        who = "You" if turn.speaker == "patient" else turn.who
        lines.append(f"[{turn.at:%Y-%m-%d %H:%M} UTC] {who}: {turn.text}")
    return "\n".join(lines) + "\n"


@router.post("/conversation/download")
def download(request: Request, sender: Holder, session: Db) -> PlainTextResponse:
    # The nurse's lines of a live chat are part of the conversation too.
    turns = with_live_lines(
        web(request).tracker.transcript(sender), LiveChats(session).lines_after(sender, 0)
    )
    audit(session, ACTOR, "patient_downloaded", sender, f"{len(turns)} messages",
          client_address(request))  # fmt: skip
    return PlainTextResponse(as_text(sender, turns), headers={
        "Content-Disposition": 'attachment; filename="conversation.txt"',
        "Cache-Control": "no-store"})  # fmt: skip


@router.post("/conversation/forget")
def forget(request: Request, sender: Holder, session: Db) -> JSONResponse:
    tracker = TrackerRetention(web(request).settings.tracker_reader_url)
    try:
        events = tracker.delete([sender])
    finally:
        tracker.dispose()
    deleted = RetentionRepository(session).delete([sender])
    deleted["live chat lines"] = LiveChats(session).forget([sender])
    kept = _keep_only_what_nurses_need(session, sender)
    detail = (f"{events} transcript events, {deleted['turns']} turns, "
              f"{deleted['reviews']} reviews, {deleted['flags']} resolved flags, "
              f"{deleted['live chat lines']} live chat lines deleted; "
              f"{kept} unresolved flags kept")  # fmt: skip
    audit(session, ACTOR, "patient_forgot", sender, detail, client_address(request))
    return JSONResponse({"deleted": True})


def _keep_only_what_nurses_need(session: Any, conversation_id: str) -> int:
    """An unresolved flag stays for the nurses' safety, and says the patient deleted the rest."""
    flags = session.query(Flag).filter(Flag.conversation_id == conversation_id).all()
    for flag in flags:
        flag.message_id = ""  # it pointed into the deleted transcript
        flag.events.append(FlagEvent(actor=ACTOR, action="patient_forgot", detail=(
            "The patient deleted the conversation: its transcript is gone; this flag keeps "
            "the message that raised it.")))  # fmt: skip
    return len(flags)
