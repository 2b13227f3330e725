"""What every request of the web app works with: settings, database, templates, the signed-in
staff member, and the checks that keep pages to the right people."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.templating import Jinja2Templates

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


def signed_in(request: Request) -> StaffContext:
    """Dependency: the signed-in staff member, or a redirect to the login page."""
    state = web(request)
    with state.database.unit_of_work() as session:
        staff = state.accounts(session).current(request.cookies.get(SESSION_COOKIE))
    if staff is None:
        raise NotSignedIn(request.url.path)
    return staff


def admin(request: Request) -> StaffContext:
    """Dependency: an admin; a nurse gets 403."""
    staff = signed_in(request)
    if not staff.is_admin:
        raise Forbidden()
    return staff


def reviewer(request: Request) -> StaffContext:
    """Dependency: someone who may read the answers and sign them off (clinician or admin)."""
    staff = signed_in(request)
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


# Route parameters: the signed-in staff member, an admin, and a form's CSRF token.
Staff = Annotated[StaffContext, Depends(signed_in)]
Admin = Annotated[StaffContext, Depends(admin)]
Reviewer = Annotated[StaffContext, Depends(reviewer)]
CsrfField = Annotated[str, Form(alias="csrf_token")]
