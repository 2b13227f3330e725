"""A nurse joins the patient's chat in the production topology: the patient's page is served by
one web app and the nurse's console by the other, so every line between them goes through
Redis pub/sub; a web app that dies under the patient loses nothing (issue 17)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, expect

from clinic_assistant.db import Database
from clinic_assistant.web.security import Accounts
from tests.production.conftest import Production
from tests.support.live_chat import (
    PASSWORD,
    conversation_of,
    join,
    nurse_lines,
    nurse_says,
    open_widget,
    patient_says,
    record,
    sign_in,
    widget_lines,
    within_2_seconds,
)

pytestmark = pytest.mark.production
NURSE = "prod.nurse"


@pytest.fixture(scope="module")
def nurse_account(production: Production) -> str:
    database = Database(production.config.settings.database_url)
    with database.unit_of_work() as session:
        Accounts(session, timedelta(minutes=30)).create(NURSE, "Nora Nurse", "nurse", PASSWORD)
    database.dispose()
    return NURSE


def first_line_through_nginx(production: Production, conversation: str, secret: str) -> None:
    url = f"{production.config.public_url}/patient/live/stream"
    params = {"sender": conversation, "secret": secret}
    with requests.get(url, params=params, stream=True, timeout=5) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for raw in response.iter_lines(decode_unicode=True):
            if raw.startswith("data:"):
                assert json.loads(raw[5:])["kind"] == "joined"
                return


def test_patient_and_nurse_on_different_web_servers_talk_both_ways_through_redis(
    production: Production, browser: Browser, nurse_account: str, project_root: Path
) -> None:
    first, second = production.config.web_ports
    # A Rasa server's first message is slow (its models warm up): not what is measured here.
    for port in production.config.rasa_ports:
        assert production.patient(port=port).say("hello").answered
    patient_context = browser.new_context(base_url=f"http://localhost:{first}")
    nurse_context = browser.new_context(base_url=f"http://localhost:{second}")
    patient, nurse = patient_context.new_page(), nurse_context.new_page()
    timings = {}
    try:
        open_widget(patient)
        patient.get_by_role("button", name="Talk to a nurse").click()
        expect(widget_lines(patient).last).to_contain_text("A nurse can join this chat",
                                                 timeout=30_000)  # fmt: skip
        conversation = conversation_of(patient)
        sign_in(nurse, nurse_account)
        clicked = time.monotonic()
        join(nurse, conversation)
        timings["joined"] = within_2_seconds(widget_lines(patient).last,
                                             "Nora, a nurse, has joined", clicked)  # fmt: skip
        sent = nurse_says(nurse, "Hello from the other server")
        timings["nurse_to_patient"] = within_2_seconds(
            patient.locator("li.msg.nurse").last, "Hello from the other server", sent
        )
        sent = time.monotonic()
        patient_says(patient, "Thank you, I was worried about my scar")
        timings["patient_to_nurse"] = within_2_seconds(nurse_lines(nurse), "my scar", sent)
        sent = time.monotonic()
        patient_says(patient, "I have crushing chest pain")
        timings["emergency"] = within_2_seconds(patient.locator("li.msg.bot.alert").last,
                                                "999", sent)  # fmt: skip
        expect(nurse_lines(nurse)).to_contain_text("I have crushing chest pain")

        # The patient's web app dies: what the nurse writes meanwhile arrives when it is back.
        web = production.cluster.child("web")
        web.process.kill()
        web.process.wait()
        nurse_says(nurse, "Written while your server was down")
        expect(nurse_lines(nurse)).to_contain_text("Written while your server was down")
        production.cluster.restart("web")
        expect(patient.locator("li.msg.nurse").last).to_contain_text(
            "Written while your server was down", timeout=30_000
        )
        texts = patient.locator("li.msg.nurse").all_inner_texts()
        assert sum("Written while your server was down" in t for t in texts) == 1
        assert sum("Hello from the other server" in t for t in texts) == 1

        nurse.get_by_role("button", name="Hand back to the assistant").click()
        expect(widget_lines(patient).last).to_contain_text("handed you back to the assistant")
        patient_says(patient, "what is fat grafting?")
        expect(patient.locator("li.msg.bot").last).to_contain_text("Fat grafting uses your own fat")
        # Through nginx too, each line is passed on at once (not buffered).
        secret = patient.evaluate("() => JSON.parse(Object.values(sessionStorage)[0]).secret")
        first_line_through_nginx(production, conversation, secret)
        audited = production.app_rows(
            "SELECT action FROM audit_events WHERE target = %s ORDER BY id", conversation
        )
        assert [a for (a,) in audited] == ["live_chat_joined", "live_chat_handed_back"]
        lines = production.app_rows(
            "SELECT kind FROM live_messages WHERE conversation_id = %s ORDER BY id", conversation
        )
        kinds = [k for (k,) in lines]
        assert kinds.count("nurse") == 2 and kinds.count("patient") == 2
        record(project_root / "results" / "live-chat-production.json", timings)
    finally:
        patient.screenshot(path=str(project_root / "results" / "live-chat-production.png"))
        patient_context.close()
        nurse_context.close()
