"""The web application: the staff console under /console, and the public pages.

Run with ``uvicorn --factory clinic_assistant.web.app:create_app`` (the run command does).
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from clinic_assistant.app import AppContext
from clinic_assistant.settings import Settings
from clinic_assistant.web.context import (
    HERE,
    BadCsrf,
    Forbidden,
    NotSignedIn,
    page,
)
from clinic_assistant.web.routes import (
    answers,
    auth,
    conversations,
    feedback,
    flags,
    insights,
    learning,
    live,
    patient,
    public,
    staff,
)
from clinic_common.logs import install_log_redaction

# Content security policy: only this site's own scripts, styles and images; no inline script.
CONSOLE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
# Every other response (the demo page, widget.js, static files, /health, 404s): nothing may
# frame it, nothing may guess a type for it, no address is sent on to other sites. Documents
# get the strictest policy; the demo page's own is built from the settings (public_policy).
PUBLIC_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def demo_page_policy(settings: Settings) -> str:
    """The demo page runs this site's widget, which talks to the Rasa server of the settings."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {settings.rasa_public_url}; frame-ancestors 'none'; "
        "form-action 'none'; base-uri 'none'"
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    install_log_redaction(settings.redact)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The token of Rasa's HTTP API (environment only), to load activated models.
        app.state.web = AppContext(settings, rasa_api_token=os.environ.get("RASA_API_TOKEN", ""))
        app.state.web.learning.recover()
        await app.state.web.live.start()
        yield
        await app.state.web.live.stop()
        app.state.web.close()

    app = FastAPI(title="Breast clinic assistant", docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=lifespan)  # fmt: skip
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    for module in (public, patient, live, auth, flags, conversations, answers, staff,
                   insights, feedback, learning):  # fmt: skip
        app.include_router(module.router)

    demo_headers = {**PUBLIC_HEADERS, "Content-Security-Policy": demo_page_policy(settings)}

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        path = request.url.path
        if path.startswith(("/console", "/static/console")):
            headers = CONSOLE_HEADERS
            response.headers.setdefault("Cache-Control", "no-store")
        else:
            headers = demo_headers if path == "/" else PUBLIC_HEADERS
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    @app.middleware("http")
    async def widget_cors(request: Request, call_next):
        # The widget on the clinic's pages calls /patient/...: those pages may read the answer
        # (no cookies are involved); other origins are refused by the routes themselves.
        if not request.url.path.startswith("/patient/"):
            return await call_next(request)
        origin = request.headers.get("origin", "")
        allowed = origin in settings.widget_origins
        if request.method == "OPTIONS":
            response = Response(status_code=204 if allowed else 403)
            if allowed:
                response.headers.update({"Access-Control-Allow-Methods": "GET, POST",
                                         "Access-Control-Allow-Headers": "Content-Type",
                                         "Access-Control-Max-Age": "600"})  # fmt: skip
        else:
            response = await call_next(request)
        if allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        return response

    @app.exception_handler(NotSignedIn)
    async def to_login(request: Request, error: NotSignedIn):
        return RedirectResponse(f"/console/login?next={error.next_path}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _error: Forbidden):
        response = page(request, "error.html", None, status=403,
                        message="This page is for admins only.")  # fmt: skip
        response.status_code = 403
        return response

    @app.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, _error: BadCsrf):
        response = page(
            request,
            "error.html",
            None,
            status=403,
            message="The form has expired. Go back, reload the page and try again.",
        )
        response.status_code = 403
        return response

    @app.get("/health", include_in_schema=False)
    async def health() -> HTMLResponse:
        return HTMLResponse("ok")

    return app
