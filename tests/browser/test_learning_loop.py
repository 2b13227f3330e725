"""The learning loop in a real browser, on a stack of its own (its model is replaced):
a patient rates an answer and staff see it; nurses label five inbox messages; an admin
retrains (a small configuration, tests/learning/small-config.yml), compares the candidate with
the live model, activates it through Rasa's HTTP API, sees the next patient message answered
by it, and rolls back."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from clinic_assistant.db import Database
from clinic_assistant.runtime.stack import Stack
from clinic_assistant.web.security import Accounts
from tests.browser.conftest import PASSWORD
from tests.support.stack import stack_settings, start_stack

pytestmark = pytest.mark.browser

# Words no training example has: the live model falls back on them. Labelled, they teach the
# candidate (and only the candidate) that they are about flaps.
UNKNOWN = ["glorbix wendle snorfle", "wendle snorfle plimb", "snorfle glorbix quadle",
           "plimb quadle wendle", "glorbix plimb"]  # fmt: skip


@pytest.fixture(scope="module")
def loop_stack(
    tmp_path_factory: pytest.TempPathFactory, project_root: Path, trained_model: Path
) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("learning")
    live = directory / "live" / "clinic.tar.gz"
    live.parent.mkdir()
    shutil.copyfile(trained_model, live)
    settings = replace(
        stack_settings(project_root, directory), live_model=live,
        releases_dir=directory / "releases", reviewed_nlu=directory / "reviewed.yml",
        training_config=project_root / "tests" / "learning" / "small-config.yml",
    )  # fmt: skip
    running = start_stack(settings, live, directory)
    database = Database(settings.database_url)
    with database.unit_of_work() as session:
        accounts = Accounts(session, timedelta(minutes=30))
        accounts.create("loop.nurse", "Nell Nurse", "nurse", PASSWORD)
        accounts.create("loop.admin", "Abe Admin", "admin", PASSWORD)
    database.dispose()
    yield running
    running.stop()


@pytest.fixture
def loop_page(browser: Browser, loop_stack: Stack, artifacts: Path, request) -> Iterator[Page]:
    context = browser.new_context(base_url=loop_stack.config.web_url,
                                  viewport={"width": 1280, "height": 900})  # fmt: skip
    page = context.new_page()
    yield page
    page.screenshot(path=str(artifacts / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page: Page, username: str, path: str) -> None:
    page.goto(f"/console/login?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{path}")


def ask(stack: Stack, text: str) -> list[dict]:
    """A new patient's first message through the REST channel: the reply's contract objects."""
    response = requests.post(stack.config.webhook_url, timeout=60, json={
        "sender": f"patient-{uuid.uuid4().hex[:10]}", "message": text,
        "message_id": uuid.uuid4().hex})  # fmt: skip
    response.raise_for_status()
    return [m["custom"] for m in response.json() if "custom" in m]


def test_a_patient_s_thumbs_down_and_what_was_missing_reach_insights_and_the_answer_page(
    loop_page: Page,
) -> None:
    page = loop_page
    page.goto("/")
    page.get_by_role("button", name="Questions? Chat with us").click()
    page.get_by_label("Your message").fill("what is a TAP flap?")
    page.get_by_role("button", name="Send", exact=True).click()
    answer = page.locator("li.msg.bot").nth(1)
    expect(answer).to_contain_text("TAP flap", timeout=30_000)
    answer.get_by_role("button", name="No, this answer did not help").click()
    answer.get_by_label("What was missing? (optional)").fill("how big the scar on my back is")
    answer.get_by_role("button", name="Send feedback").click()
    expect(answer).to_contain_text("Thank you: the clinic's team will read it.")

    sign_in(page, "loop.admin", "/console/insights")
    satisfaction = page.locator("#satisfaction")
    row = satisfaction.get_by_role("row", name="option flap")
    expect(row.get_by_role("cell")).to_have_text(["0", "1", "0%"])
    page.goto("/console/answers/flap-tap-and-ld")
    feedback = page.locator("#recent-feedback")
    expect(feedback).to_contain_text("thumbs down")
    expect(feedback).to_contain_text("how big the scar on my back is")
    expect(feedback).to_contain_text("what is a TAP flap?")


def test_labelled_messages_retrain_the_model_which_is_compared_activated_and_rolled_back(
    loop_page: Page, loop_stack: Stack
) -> None:
    page = loop_page
    for text in UNKNOWN:
        assert ask(loop_stack, text)[-1]["topic"] == "fallback"

    sign_in(page, "loop.nurse", "/console/inbox")
    for text in UNKNOWN:
        row = page.get_by_role("row").filter(has_text=text)
        row.get_by_role("combobox").select_option("ask_flap")
        row.get_by_role("button", name="Label").click()
        expect(page.get_by_role("row").filter(has_text=text)).to_have_count(0)
    page.get_by_role("link", name="Intent (5)").click()
    expect(page.locator("table.inbox tbody tr")).to_have_count(5)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "loop.admin", "/console/models")
    expect(page.get_by_text("5 labelled inbox messages")).to_be_visible()
    page.get_by_role("button", name="Train a new model").click()
    expect(page.get_by_role("status")).to_contain_text("training", timeout=30_000)
    expect(page.get_by_role("heading", name="Candidate: release 2")).to_be_visible(timeout=540_000)
    for caption in ("Frozen test split", "Real-world yardstick"):
        table = page.locator("table.comparison").filter(has_text=caption)
        expect(table.get_by_role("row", name="Right topic")).to_be_visible()
    expect(page.locator("#triage-change")).to_contain_text("Triage")

    # The small configuration has no triage second opinion: the gate asks for a reason.
    expect(page.locator("#gate")).to_contain_text("needs a written reason")
    page.get_by_role("button", name="Activate on every Rasa server").click()
    expect(page.get_by_role("alert").first).to_contain_text("needs a written reason")
    page.get_by_label("Reason (required)").fill("browser test of the loop: small configuration")
    page.get_by_role("button", name="Activate on every Rasa server").click()
    expect(page.locator("#live-model")).to_contain_text("Release 2", timeout=300_000)

    assert ask(loop_stack, UNKNOWN[0])[-1]["topic"] == "option_flap"

    page.get_by_role("button", name="Roll back to release 1").click()
    expect(page.locator("#live-model")).to_contain_text("Release 1", timeout=300_000)
    assert ask(loop_stack, UNKNOWN[0])[-1]["topic"] == "fallback"

    page.goto("/console/audit")
    for action in ("model training finished", "model activated", "model rolled back",
                   "inbox labelled"):  # fmt: skip
        expect(page.get_by_role("cell", name=action, exact=True).first).to_be_visible()
