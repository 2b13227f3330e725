"""The nurses' flag queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from clinic_assistant.db.repositories import FlagRepository, NotificationRepository
from clinic_assistant.flags import FlagError, FlagService
from clinic_assistant.web.context import CsrfField, Db, Staff, check_csrf, client_address, page
from clinic_assistant.web.security import StaffContext, audit

router = APIRouter(prefix="/console")
STATUSES = ("open", "acknowledged", "resolved")
# What ``?error=`` may show: a code from the redirect below, never text from the URL (a link
# with any text in it would otherwise put that text in the nurse's page).
ERRORS = {
    "not-open": "This flag is no longer open: someone may have acknowledged it already.",
    "already-resolved": "This flag is already resolved.",
    "note-needed": "Say how the flag was resolved.",
}
Note = Annotated[str, Form()]


@router.get("")
def console_home() -> RedirectResponse:
    return RedirectResponse("/console/flags", status_code=303)


@router.get("/flags")
def queue(request: Request, staff: Staff, session: Db, status: str = "open"):
    status = status if status in STATUSES else "open"
    flags = FlagRepository(session).queue(status)
    counts = {s: len(FlagRepository(session).queue(s, limit=1000)) for s in STATUSES[:2]}
    return page(request, "flags.html", staff, flags=flags, status=status, counts=counts)


@router.get("/flags/{flag_id}")
def flag_detail(request: Request, flag_id: int, staff: Staff, session: Db, error: str = ""):
    flag = FlagRepository(session).get(flag_id)
    if flag is None:
        raise HTTPException(404, "No such flag")
    events = FlagRepository(session).events(flag_id)
    alerts = NotificationRepository(session).for_flag(flag_id)
    return page(request, "flag.html", staff, flag=flag, events=events, alerts=alerts,
                error=ERRORS.get(error, ""))  # fmt: skip


def _change(request: Request, session: Session, flag_id: int, staff: StaffContext, action: str,
            note: str):  # fmt: skip
    try:
        flag = getattr(FlagService(session), action)(flag_id, staff.username, note)
    except LookupError as missing:
        raise HTTPException(404, "No such flag") from missing
    except FlagError as error:
        return RedirectResponse(f"/console/flags/{flag_id}?error={error.code}", status_code=303)
    audit(session, staff.username, f"flag_{action}", flag.reference, note.strip(),
          client_address(request))  # fmt: skip
    return RedirectResponse(f"/console/flags/{flag_id}", status_code=303)


@router.post("/flags/{flag_id}/acknowledge")
def acknowledge(request: Request, flag_id: int, staff: Staff, session: Db, note: Note = "",
                csrf_token: CsrfField = ""):  # fmt: skip
    check_csrf(staff, csrf_token)
    return _change(request, session, flag_id, staff, "acknowledge", note)


@router.post("/flags/{flag_id}/resolve")
def resolve(request: Request, flag_id: int, staff: Staff, session: Db, note: Note = "",
            csrf_token: CsrfField = ""):  # fmt: skip
    check_csrf(staff, csrf_token)
    return _change(request, session, flag_id, staff, "resolve", note)
