"""Admins manage staff accounts; the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from clinic_assistant.db.models import STAFF_ROLES
from clinic_assistant.db.repositories import AuditRepository, StaffRepository
from clinic_assistant.web.context import (
    Admin,
    CsrfField,
    Db,
    check_csrf,
    client_address,
    page,
    web,
)
from clinic_assistant.web.security import AccountError, audit

router = APIRouter(prefix="/console")
Field = Annotated[str, Form()]
AUDIT_PAGE = 50


def _staff_page(request: Request, session: Db, staff, error: str = "",
                form: dict | None = None):  # fmt: skip
    members = StaffRepository(session).all()
    response = page(request, "staff.html", staff, members=members, roles=STAFF_ROLES,
                    error=error, form=form or {})  # fmt: skip
    if error:
        response.status_code = 400
    return response


@router.get("/staff")
def staff_list(request: Request, staff: Admin, session: Db):
    return _staff_page(request, session, staff)


@router.post("/staff")
def create(request: Request, staff: Admin, session: Db, username: Field = "",
           display_name: Field = "", role: Field = "nurse", password: Field = "",
           csrf_token: CsrfField = ""):  # fmt: skip
    check_csrf(staff, csrf_token)
    try:
        member = web(request).accounts(session).create(username, display_name, role, password)
    except AccountError as error:
        typed = {"username": username, "display_name": display_name, "role": role}
        return _staff_page(request, session, staff, str(error), typed)
    audit(session, staff.username, "staff_created", member.username, f"role {role}",
          client_address(request))  # fmt: skip
    return RedirectResponse("/console/staff", status_code=303)


@router.post("/staff/{staff_id}")
def change(request: Request, staff_id: int, staff: Admin, session: Db, action: Field = "",
           role: Field = "", password: Field = "", csrf_token: CsrfField = ""):  # fmt: skip
    check_csrf(staff, csrf_token)
    accounts = web(request).accounts(session)
    member = StaffRepository(session).get(staff_id)
    if member is None:
        raise HTTPException(404, "No such account")
    try:
        if action == "role":
            accounts.set_role(member, role)
            detail = f"role {role}"
        elif action in ("disable", "enable"):
            accounts.set_active(member, action == "enable")
            detail = action
        elif action == "password":
            accounts.set_password(member, password)
            detail = "password set"
        else:
            raise AccountError("Unknown change.")
    except AccountError as error:
        return _staff_page(request, session, staff, str(error))
    audit(session, staff.username, "staff_changed", member.username, detail,
          client_address(request))  # fmt: skip
    return RedirectResponse("/console/staff", status_code=303)


@router.get("/audit")
def audit_log(request: Request, staff: Admin, session: Db, page_number: int = 1):
    repository = AuditRepository(session)
    events = repository.recent(AUDIT_PAGE, (max(page_number, 1) - 1) * AUDIT_PAGE)
    pages = max(1, -(-repository.count() // AUDIT_PAGE))
    return page(request, "audit.html", staff, events=events, page_number=page_number,
                pages=pages)  # fmt: skip
