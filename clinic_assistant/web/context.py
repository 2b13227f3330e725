"""What every request of the web app works with: settings, database, templates, the signed-in
staff member, and the checks that keep pages to the right people."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.templating import Jinja2Templates

from clinic_assistant.db import Database
from clinic_assistant.settings import Settings
from clinic_assistant.transcripts import TrackerReader
from clinic_assistant.web.security import Accounts, StaffContext

HERE = Path(__file__).parent
SESSION_COOKIE = "clinic_session"
LOGIN_CSRF_COOKIE = "clinic_login_csrf"
templates = Jinja2Templates(directory=str(HERE / "templates"))


def _utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _when(moment: datetime | None) -> str:
    return _utc(moment).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return ""
    minutes = int((datetime.now(UTC) - _utc(moment)).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min ago"
    return f"{minutes // (24 * 60)} days ago"


templates.env.filters.update(when=_when, ago=_ago, iso=lambda m: _utc(m).isoformat() if m else "")


class NotSignedIn(Exception):
    """Raised by pages that need a signed-in staff member; the app redirects to the login."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class Forbidden(Exception):
    """The signed-in staff member may not do this (a nurse on an admin page)."""


class BadCsrf(Exception):
    """A form without the session's CSRF token."""


class WebState:
    """Held by the app (``app.state.web``): created once, closed on shutdown."""

    def __init__(self, settings: Settings, inactivity: timedelta, rasa_api_token: str = "") -> None:
        from clinic_assistant.learning.releases import RasaServers
        from clinic_assistant.learning.worker import LearningWorker

        self.settings = settings
        self.database = Database(settings.database_url)
        self.tracker = TrackerReader(settings.tracker_reader_url)
        self.inactivity = inactivity
        # Training and activating models in the background (clinic_assistant.learning).
        servers = RasaServers(settings.rasa_servers, rasa_api_token)
        self.learning = LearningWorker(settings, self.database, servers)

    def accounts(self, session: Any) -> Accounts:
        return Accounts(session, self.inactivity)

    def close(self) -> None:
        self.learning.close()
        self.database.dispose()
        self.tracker.dispose()


def web(request: Request) -> WebState:
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


def check_csrf(staff: StaffContext, submitted: str | None) -> None:
    if not submitted or not secrets.compare_digest(submitted, staff.csrf_token):
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
