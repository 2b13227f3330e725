"""Signing in and out of the console."""

from __future__ import annotations

import asyncio
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from clinic_assistant.web.context import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    BadCsrf,
    CsrfField,
    Db,
    Staff,
    check_csrf,
    client_address,
    page,
    web,
)
from clinic_assistant.web.security import AccountError, verify_password

router = APIRouter(prefix="/console")
# What ``?error=`` may show on the login page: known codes only, never text from the URL.
LOGIN_ERRORS = {"expired": "Your session has ended. Please sign in again."}


def _safe_next(next_path: str) -> str:
    """Only a path on this site, so the login cannot be used to send staff elsewhere."""
    if next_path.startswith("/console") and not next_path.startswith("//"):
        return next_path
    return "/console/flags"


@router.get("/login")
def login_form(request: Request, next: str = "/console/flags", error: str = ""):
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", None, next=_safe_next(next), csrf=token,
                    error=LOGIN_ERRORS.get(error, ""))  # fmt: skip
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        path="/console/login")  # fmt: skip
    return response


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: CsrfField = "",
    next: Annotated[str, Form()] = "/console/flags",
):
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(csrf_token, expected):
        raise BadCsrf()
    # Async, so that the throttle's wait holds neither a worker thread nor the database: other
    # staff's pages go on while a guesser waits. Database work and Argon2 run in threads. So
    # this is the one route with units of work of its own instead of the request's (Db): one
    # counts the attempt before the wait, one records the outcome after it.
    state, address = web(request), client_address(request)
    attempt = await run_in_threadpool(_begin, state, username, address)
    await asyncio.sleep(attempt.delay)
    verified = await run_in_threadpool(verify_password, attempt.stored_hash, password)
    replaced = request.cookies.get(SESSION_COOKIE)
    try:
        token = await run_in_threadpool(_finish, state, username, password, verified, address,
                                        replaced)  # fmt: skip
    except AccountError as failure:
        response = page(request, "login.html", None, next=_safe_next(next), csrf=expected,
                        error=str(failure), username=username)  # fmt: skip
        response.status_code = 401
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", path="/",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console/login")
    return response


def _begin(state, username: str, address: str):
    with state.database.unit_of_work() as session:
        return state.accounts(session).begin_sign_in(username, address)


def _finish(state, username: str, password: str, verified: bool, address: str,
            replaced: str | None) -> str:  # fmt: skip
    failure = None
    with state.database.unit_of_work() as session:
        # Caught inside the unit of work: the failure's audit entry is kept, not rolled back.
        try:
            token, _member = state.accounts(session).finish_sign_in(
                username, password, verified, address, replaced
            )
        except AccountError as error:
            failure = error
    if failure is not None:
        raise failure
    return token


@router.post("/logout")
def logout(request: Request, staff: Staff, session: Db, csrf_token: CsrfField = ""):
    check_csrf(staff, csrf_token)
    web(request).accounts(session).sign_out(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
