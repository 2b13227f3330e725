"""Learning from real conversations in the console: the inbox of messages to learn from,
marking a message misunderstood, the admins' list of questions that need a new answer, and
the models page (retrain, compare, activate, discard, roll back)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import yaml
from fastapi import APIRouter, BackgroundTasks, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from clinic_assistant.db.models import INBOX_ORIGINS
from clinic_assistant.learning.inbox import Inbox, InboxError
from clinic_assistant.learning.releases import ReleaseError, ReleaseRepository, compare
from clinic_assistant.learning.reviewed import ReviewedFile
from clinic_assistant.web.context import (
    Admin,
    CsrfField,
    Db,
    Forbidden,
    Staff,
    check_csrf,
    client_address,
    page,
    web,
)
from clinic_assistant.web.security import StaffContext, audit
from clinic_common.conversations import is_conversation_id

if TYPE_CHECKING:
    from clinic_assistant.learning.worker import Job, LearningWorker

router = APIRouter(prefix="/console")
Field = Annotated[str, Form()]
STATUSES = ("open", "intent", "out_of_scope", "needs_answer", "dismissed")


def labeller(staff: Staff) -> StaffContext:
    """Dependency: a nurse or an admin (who label the inbox); others get 403."""
    if staff.role not in ("nurse", "admin"):
        raise Forbidden()
    return staff


Labeller = Annotated[StaffContext, Depends(labeller)]


@lru_cache(maxsize=4)
def _domain_intents(domain: Path, _modified: float) -> tuple[str, ...]:
    return tuple(sorted(yaml.safe_load(domain.read_text())["intents"]))


def domain_intents(request: Request) -> tuple[str, ...]:
    domain = web(request).settings.root / "domain.yml"
    return _domain_intents(domain, domain.stat().st_mtime)


def reviewed_file(request: Request) -> ReviewedFile:
    settings = web(request).settings
    return ReviewedFile(settings.reviewed_nlu, settings.root)


# ---------------------------------------------------------------------------------- the inbox
@router.get("/inbox")
def inbox(request: Request, staff: Labeller, session: Db, status: str = "open",
          origin: str = ""):  # fmt: skip
    status = status if status in STATUSES else "open"
    origin = origin if origin in INBOX_ORIGINS else ""
    box = Inbox(session)
    box.collect(web(request).settings.low_confidence)
    items, counts = box.items(status, origin), box.counts()
    return page(request, "inbox.html", staff, items=items, counts=counts, status=status,
                origin=origin, origins=INBOX_ORIGINS, statuses=STATUSES,
                intents=domain_intents(request), error="")  # fmt: skip


@router.post("/inbox/{item_id}")
def decide(
    request: Request, item_id: int, staff: Labeller, session: Db, csrf_token: CsrfField = "",
    decision: Field = "", intent: Field = "", note: Field = "", back: Field = "",
):  # fmt: skip
    check_csrf(staff, csrf_token)
    box = Inbox(session)
    try:
        item = box.decide(item_id, decision, intent, staff.username, domain_intents(request),
                          note)  # fmt: skip
    except InboxError as error:
        items, counts = box.items("open"), box.counts()
        response = page(request, "inbox.html", staff, items=items, counts=counts,
                        status="open", origin="", origins=INBOX_ORIGINS, statuses=STATUSES,
                        intents=domain_intents(request), error=str(error))  # fmt: skip
        response.status_code = 400
        return response
    session.flush()
    written = reviewed_file(request).write(session)
    audit(session, staff.username, "inbox_labelled", f"inbox {item_id}",
          f"{decision} {item.label}".strip() + f"; reviewed file: {written} examples",
          client_address(request))  # fmt: skip
    target = back if back.startswith("/console/inbox") else "/console/inbox"
    return RedirectResponse(target, status_code=303)


@router.post("/conversations/{conversation_id}/turns/{turn_id}/misunderstood")
def mark_misunderstood(
    request: Request, conversation_id: str, turn_id: int, staff: Staff, session: Db,
    csrf_token: CsrfField = "",
):  # fmt: skip
    check_csrf(staff, csrf_token)
    if not is_conversation_id(conversation_id):
        raise HTTPException(404, "No such conversation")
    try:
        item = Inbox(session).mark_misunderstood(conversation_id, turn_id)
    except InboxError as error:
        raise HTTPException(404, str(error)) from error
    session.flush()
    audit(session, staff.username, "message_marked_misunderstood", conversation_id,
          f"inbox {item.id}", client_address(request))  # fmt: skip
    return RedirectResponse(f"/console/conversations/{conversation_id}#learning",
                            status_code=303)  # fmt: skip


@router.get("/inbox/new-answers")
def new_answers(request: Request, staff: Admin, session: Db):
    items = Inbox(session).needing_answers()
    return page(request, "new_answers.html", staff, items=items)


# ---------------------------------------------------------------------------------- models
@router.get("/models")
def models(request: Request, staff: Admin, session: Db):
    return _models_page(request, session, staff)


def _models_page(request: Request, session: Session, staff: StaffContext, error: str = ""):
    state = web(request)
    releases = ReleaseRepository(session)
    rows, live, busy = releases.all(), releases.live(), releases.busy()
    target = releases.rollback_target()
    candidate = next((r for r in rows if r.status == "candidate"), None)
    comparison = None
    if candidate is not None and live is not None and live.evaluation:
        comparison = compare(live.evaluation, candidate.evaluation,
                             state.settings.release_tolerance)  # fmt: skip
    labelled = len(Inbox(session).labelled())
    response = page(request, "models.html", staff, rows=rows, live=live, busy=busy,
                candidate=candidate, comparison=comparison, rollback_target=target,
                labelled=labelled, settings=state.settings, error=error)  # fmt: skip
    if error:
        response.status_code = 409
    return response


def _models_action(
    request: Request,
    session: Session,
    background: BackgroundTasks,
    staff: StaffContext,
    csrf_token: str,
    claim: Callable[[LearningWorker, str], Job | None],
):
    """Run one of the models page's actions in the request's unit of work: back to the page
    (its job, if any, starts once that has committed), or the page with the reason the action
    was refused. ``claim(worker, address)`` does the action."""
    check_csrf(staff, csrf_token)
    worker = web(request).learning
    try:
        job = claim(worker, client_address(request))
    except ReleaseError as error:
        return _models_page(request, session, staff, str(error))
    if job is not None:
        background.add_task(worker.submit, job)
    return RedirectResponse("/console/models", status_code=303)


@router.post("/models/train")
def train(request: Request, staff: Admin, session: Db, background: BackgroundTasks,
          csrf_token: CsrfField = ""):  # fmt: skip
    return _models_action(request, session, background, staff, csrf_token, lambda w, address:
                          w.claim_training(session, staff.username, address))  # fmt: skip


@router.post("/models/{release_id}/activate")
def activate(request: Request, release_id: int, staff: Admin, session: Db,
             background: BackgroundTasks, csrf_token: CsrfField = "",
             reason: Field = ""):  # fmt: skip
    return _models_action(request, session, background, staff, csrf_token, lambda w, address:
                          w.claim_activation(session, release_id, staff.username, reason,
                                             address))  # fmt: skip


@router.post("/models/{release_id}/discard")
def discard(request: Request, release_id: int, staff: Admin, session: Db,
            background: BackgroundTasks, csrf_token: CsrfField = ""):  # fmt: skip
    return _models_action(request, session, background, staff, csrf_token, lambda w, address:
                          w.discard(session, release_id, staff.username, address))  # fmt: skip


@router.post("/models/rollback")
def rollback(request: Request, staff: Admin, session: Db, background: BackgroundTasks,
             csrf_token: CsrfField = ""):  # fmt: skip
    return _models_action(request, session, background, staff, csrf_token, lambda w, address:
                          w.claim_rollback(session, staff.username, address))  # fmt: skip
