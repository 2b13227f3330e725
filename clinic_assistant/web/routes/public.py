"""The public pages: the chat widget script, and a demo clinic page that embeds it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from clinic_assistant.web.context import HERE, page, web

router = APIRouter()
WIDGET = HERE / "static" / "widget" / "widget.js"
WIDGET_PATH = "/widget.js"  # the demo page is served by this site: a path is enough


@router.get("/")
def demo_page(request: Request):
    """A clinic's web page, as any clinic would embed the widget: one script tag."""
    settings = web(request).settings
    # Both addresses from the settings or this site, never from the request's Host header (a
    # forged Host would otherwise be written into the page's script tag).
    return page(request, "demo.html", None, rasa_url=settings.rasa_public_url,
                widget_url=WIDGET_PATH)  # fmt: skip


@router.get("/widget.js", name="widget")
def widget() -> FileResponse:
    # Short caching: a new version reaches patients within minutes.
    return FileResponse(WIDGET, media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300"})  # fmt: skip
