"""What every request of the web app works with: settings, database, templates, the signed-in
staff member, and the checks that keep pages to the right people."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from clinic_assistant.app import AppContext
from clinic_assistant.db.models import as_utc
from clinic_assistant.web.security import StaffContext

HERE = Path(__file__).parent
SESSION_COOKIE = "clinic_session"
LOGIN_CSRF_COOKIE = "clinic_login_csrf"
templates = Jinja2Templates(directory=str(HERE / "templates"))


def _when(moment: datetime | None) -> str:
    return as_utc(moment).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return ""
    minutes = int((datetime.now(UTC) - as_utc(moment)).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min ago"
    return f"{minutes // (24 * 60)} days ago"


templates.env.filters.update(when=_when, ago=_ago, iso=lambda m: as_utc(m).isoformat() if m else "")


class NotSignedIn(Exception):
    """Raised by pages that need a signed-in staff member; the app redirects to the login."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class Forbidden(Exception):
    """The signed-in staff member may not do this (a nurse on an admin page)."""


class BadCsrf(Exception):
    """A form without the session's CSRF token."""


def web(request: Request) -> AppContext:
    """The application context (the same class the action server uses), held by the app."""
    return request.app.state.web


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def unit_of_work(request: Request) -> Iterator[Session]:
    """Dependency: the request's one unit of work, shared by everything the request asks for
    (the signed-in check included). Committed when the route has returned, before the response
    is sent (``scope="function"``), so a failed commit is an error page, never a change shown as
    saved and then lost; rolled back if the route raises. The services the routes call check
    before they write, so a refused change (an error shown on the page) has written nothing.

    With SQLite the unit of work holds the process's database lock (db.database), so a route
    must not wait on anything else while it runs: forms are read before it opens (FastAPI reads
    declared form fields first; ``SubmittedForm`` for routes that read the whole form), and
    background jobs are started after it commits (``BackgroundTasks``).
    """
    with web(request).database.unit_of_work() as session:
        yield session


Db = Annotated[Session, Depends(unit_of_work, scope="function")]


async def submitted_form(request: Request) -> FormData:
    """Dependency: the whole submitted form, read before the unit of work opens."""
    return await request.form()


SubmittedForm = Annotated[FormData, Depends(submitted_form)]


def signed_in(request: Request, session: Db) -> StaffContext:
    """Dependency: the signed-in staff member, or a redirect to the login page."""
    staff = web(request).accounts(session).current(request.cookies.get(SESSION_COOKIE))
    if staff is None:
        raise NotSignedIn(request.url.path)
    return staff


Staff = Annotated[StaffContext, Depends(signed_in)]


def admin(staff: Staff) -> StaffContext:
    """Dependency: an admin; a nurse gets 403."""
    if not staff.is_admin:
        raise Forbidden()
    return staff


def reviewer(staff: Staff) -> StaffContext:
    """Dependency: someone who may read the answers and sign them off (clinician or admin)."""
    if not staff.can_sign_off:
        raise Forbidden()
    return staff


def check_csrf(staff: StaffContext, submitted: object) -> None:
    """``submitted``: the form's field as received (a file upload or nothing is refused)."""
    if not isinstance(submitted, str) or not submitted:
        raise BadCsrf()
    if not secrets.compare_digest(submitted, staff.csrf_token):
        raise BadCsrf()


def page(request: Request, template: str, staff: StaffContext | None, **values: Any):
    return templates.TemplateResponse(
        request, template, {"staff": staff, "clinic": web(request).settings.clinic, **values}
    )


# Route parameters: an admin, a reviewer, and a form's CSRF token (Staff and Db are above).
Admin = Annotated[StaffContext, Depends(admin)]
Reviewer = Annotated[StaffContext, Depends(reviewer)]
CsrfField = Annotated[str, Form(alias="csrf_token")]
