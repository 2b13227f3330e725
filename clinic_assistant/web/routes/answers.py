"""Admins edit the curated answers (versions, drafts, diff, revert, preview); clinicians, or
admins acting for one, sign them off."""

from __future__ import annotations

from datetime import date
from itertools import groupby
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session

from clinic_assistant.answers.editing import (
    EDITABLE_STATUSES,
    AnswerEditor,
    Draft,
    EditError,
    SignOff,
    preview,
    word_diff,
)
from clinic_assistant.db.repositories import AnswerRepository, SourceRepository
from clinic_assistant.learning.feedback import FeedbackFigures
from clinic_assistant.web.context import (
    Admin,
    CsrfField,
    Db,
    Reviewer,
    SubmittedForm,
    check_csrf,
    client_address,
    page,
    web,
)
from clinic_assistant.web.security import audit

router = APIRouter(prefix="/console")
Text = Annotated[str, Form()]


@router.get("/answers")
def answers(request: Request, staff: Reviewer, session: Db):
    rows = AnswerRepository(session).all()
    editor = AnswerEditor(session)
    drafts = {a.id for a in rows if editor.pending_draft(a.id)}
    by_topic = [(topic, list(group)) for topic, group in groupby(rows, key=lambda a: a.topic)]
    return page(
        request,
        "answers.html",
        staff,
        by_topic=by_topic,
        drafts=drafts,
        feedback=FeedbackFigures(session).counts_by_answer(),
        hold_unreviewed=web(request).settings.require_clinical_approval,
    )


def _editor_page(request, session: Session, staff, answer_id: str, form: dict | None = None,
                 error: str = "", sign_off: dict | None = None):  # fmt: skip
    editor = AnswerEditor(session)
    try:
        answer = editor.answer(answer_id)
    except LookupError as missing:
        raise HTTPException(404, "No such answer") from missing
    versions = editor.versions(answer_id)
    draft = editor.pending_draft(answer_id)
    current = draft or answer
    form = form or {
        "title": current.title, "text": current.text, "sources": list(current.sources),
        "review_status": current.review_status, "reason": "",
    }  # fmt: skip
    shown = preview(form["text"], web(request).settings.clinic.placeholders())
    sign_off = sign_off or {
        "clinician": staff.display_name if staff.role == "clinician" else "",
        "reviewed_on": date.today().isoformat(),
        "note": "",
    }
    response = page(
        request, "answer_edit.html", staff, answer=answer, versions=list(reversed(versions)),
        draft=draft, form=form, sources=SourceRepository(session).all(),
        statuses=EDITABLE_STATUSES, preview=shown, error=error, sign_off=sign_off,
        approved=editor.sign_off_of(answer),
        recent_feedback=FeedbackFigures(session).recent(answer_id),
    )  # fmt: skip
    if error:
        response.status_code = 400
    return response


# Declared before "/answers/{answer_id}", which would otherwise take "preview" for an id.
@router.post("/answers/preview")
def live_preview(request: Request, form: SubmittedForm, staff: Admin) -> JSONResponse:
    check_csrf(staff, form.get("csrf_token"))
    shown = preview(str(form.get("text", ""))[:5000], web(request).settings.clinic.placeholders())
    return JSONResponse({"text": shown.text, "grade": shown.grade, "words": shown.words})


@router.get("/answers/{answer_id}")
def edit(request: Request, answer_id: str, staff: Reviewer, session: Db):
    return _editor_page(request, session, staff, answer_id)


def _apply(request: Request, session: Session, staff, answer_id: str, change,
           form: dict | None = None, sign_off: dict | None = None):  # fmt: skip
    """Run an edit and audit it in the request's unit of work, then show the answer again.

    ``change(editor)`` returns the audit action and detail. A missing answer is a 404; an edit
    the editor refuses (before writing anything) shows the editor page with the reason (and
    what was typed).
    """
    try:
        action, detail = change(AnswerEditor(session))
    except LookupError as missing:
        raise HTTPException(404, "No such answer") from missing
    except EditError as error:
        return _editor_page(request, session, staff, answer_id, form, str(error), sign_off)
    audit(session, staff.username, action, answer_id, detail, client_address(request))
    return RedirectResponse(f"/console/answers/{answer_id}", status_code=303)


@router.post("/answers/{answer_id}")
def save(request: Request, answer_id: str, form: SubmittedForm, staff: Admin, session: Db):
    check_csrf(staff, form.get("csrf_token"))
    values: dict[str, Any] = {
        "title": str(form.get("title", "")), "text": str(form.get("text", "")),
        "sources": [str(s) for s in form.getlist("sources")],
        "review_status": str(form.get("review_status", "")),
        "reason": str(form.get("reason", "")),
    }  # fmt: skip
    publish = form.get("action") == "publish"
    draft = Draft(values["title"], values["text"], tuple(values["sources"]),
                  values["review_status"], values["reason"])  # fmt: skip

    def change(editor: AnswerEditor) -> tuple[str, str]:
        version = editor.save(answer_id, draft, staff.username, publish)
        return ("answer_published" if publish else "answer_drafted",
                f"version {version.version}: {draft.reason.strip()}")  # fmt: skip

    return _apply(request, session, staff, answer_id, change, values)


@router.post("/answers/{answer_id}/publish")
def publish(request: Request, answer_id: str, staff: Admin, session: Db,
            csrf_token: CsrfField = ""):  # fmt: skip
    check_csrf(staff, csrf_token)

    def change(editor: AnswerEditor) -> tuple[str, str]:
        version = editor.publish_draft(answer_id, staff.username)
        return "answer_published", f"draft version {version.version}"

    return _apply(request, session, staff, answer_id, change)


@router.post("/answers/{answer_id}/revert/{version}")
def revert(request: Request, answer_id: str, version: int, staff: Admin, session: Db,
           csrf_token: CsrfField = ""):  # fmt: skip
    check_csrf(staff, csrf_token)

    def change(editor: AnswerEditor) -> tuple[str, str]:
        new = editor.revert(answer_id, version, staff.username)
        return "answer_reverted", f"to version {version} as version {new.version}"

    return _apply(request, session, staff, answer_id, change)


@router.post("/answers/{answer_id}/approve")
def approve(request: Request, answer_id: str, form: SubmittedForm, staff: Reviewer,
            session: Db):  # fmt: skip
    """A clinical sign-off of the live version: name, date and note, in the versions and audit."""
    check_csrf(staff, form.get("csrf_token"))
    values = {name: str(form.get(name, "")) for name in ("clinician", "reviewed_on", "note")}
    acting = staff.role == "admin"

    def change(editor: AnswerEditor) -> tuple[str, str]:
        if acting and form.get("acting_as_clinician") != "yes":
            raise EditError("As an admin, confirm that you sign for the named clinician.")
        try:
            reviewed_on = date.fromisoformat(values["reviewed_on"])
        except ValueError:
            raise EditError("Give the review date as a date.") from None
        sign_off = SignOff(values["clinician"], reviewed_on, values["note"])
        version = editor.approve(answer_id, sign_off, staff.username)
        who = f"{staff.username}, admin acting for the clinician" if acting else staff.username
        return ("answer_clinically_approved",
                f"version {version.version}: {version.reason} (signed in as {who})")  # fmt: skip

    return _apply(request, session, staff, answer_id, change, sign_off=values)


@router.get("/answers/{answer_id}/diff")
def diff(request: Request, answer_id: str, staff: Reviewer, session: Db, old: int = 0,
         new: int = 0):  # fmt: skip
    versions = {v.version: v for v in AnswerEditor(session).versions(answer_id)}
    if old not in versions or new not in versions:
        raise HTTPException(404, "No such version")
    a, b = versions[old], versions[new]
    return page(request, "answer_diff.html", staff, answer_id=answer_id, old=a, new=b,
                title_diff=word_diff(a.title, b.title),
                text_diff=word_diff(a.text, b.text))  # fmt: skip
