"""Browser tests: Playwright driving Debian's Chromium against the running stack.

No browser is downloaded: Chromium comes from Debian (installed by `make test`) and is
launched through Playwright's ``executable_path``. Each test leaves a screenshot in
``results/screenshots/`` and page load timings in ``results/page-timings.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from clinic_assistant.db import Database
from clinic_assistant.runtime.stack import Stack
from clinic_assistant.web.security import Accounts

PASSWORD = "browser test password"
TIMINGS: dict[str, list[float]] = {}


@pytest.fixture(scope="session")
def staff_accounts(stack: Stack, stack_database: Database) -> dict[str, str]:
    with stack_database.unit_of_work() as session:
        accounts = Accounts(session, timedelta(minutes=30))
        accounts.create("browser.nurse", "Nora Nurse", "nurse", PASSWORD)
        accounts.create("browser.admin", "Ada Admin", "admin", PASSWORD)
    return {"nurse": "browser.nurse", "admin": "browser.admin"}


@pytest.fixture(scope="session")
def artifacts(project_root: Path) -> Iterator[Path]:
    directory = project_root / "results" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    yield directory
    summary = {url: {"visits": len(times), "median_ms": sorted(times)[len(times) // 2]}
               for url, times in sorted(TIMINGS.items())}  # fmt: skip
    (project_root / "results" / "page-timings.json").write_text(json.dumps(summary, indent=1))


@pytest.fixture
def page(
    browser: Browser, stack: Stack, artifacts: Path, request: pytest.FixtureRequest
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=stack.config.web_url, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.on("load", lambda p=page: _record_timing(p))
    yield page
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    context.close()


def _record_timing(page: Page) -> None:
    try:
        timing = page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n ? [location.pathname, n.responseEnd - n.startTime,"
            " n.loadEventStart - n.startTime] : null; }"
        )
    except Exception:  # the page moved on before the timing could be read
        return
    if timing:
        path = re.sub(r"(?<=/)(\d+|F-[A-Z0-9]+|patient-[a-z0-9]+)", "{id}", timing[0])
        TIMINGS.setdefault(path, []).append(round(timing[2], 1))


def sign_in(page: Page, username: str, path: str = "/console/flags") -> None:
    page.goto(f"/console/login?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{path}")
