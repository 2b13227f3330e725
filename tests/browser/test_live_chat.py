"""A nurse joins the patient's chat: two real browsers, the patient in the widget and the nurse
in the console, against the running stack (issue 17)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from clinic_assistant.db.models import Flag
from tests.support.live_chat import (
    conversation_of,
    join,
    nurse_lines,
    nurse_says,
    open_widget,
    patient_says,
    record,
    run_axe,
    sign_in,
    widget_lines,
    within_2_seconds,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def two_browsers(browser: Browser, stack, artifacts: Path, staff_accounts):
    contexts = [browser.new_context(base_url=stack.config.web_url,
                                    viewport={"width": 1280, "height": 900})
                for _ in range(2)]  # fmt: skip
    patient, nurse = (context.new_page() for context in contexts)
    yield patient, nurse, contexts[0]
    patient.screenshot(path=str(artifacts / "live-chat-patient.png"))
    nurse.screenshot(path=str(artifacts / "live-chat-nurse.png"), full_page=True)
    for context in contexts:
        context.close()


def web_app_restarts(stack) -> None:
    """The web app dies (every connection to it drops) and is started again."""
    (web,) = [child for child in stack.supervisor.children if child.name == "web"]
    web.process.kill()
    web.process.wait()
    stack.supervisor.forget("web")
    stack.start_process("web")
    stack.wait_until_ready({"web app": f"{stack.config.web_url}/health"}, 60)


def test_a_nurse_joins_they_talk_both_ways_chest_pain_is_triaged_and_she_hands_back(
    two_browsers, stack, stack_database, staff_accounts, project_root: Path
) -> None:
    patient, nurse, _ = two_browsers
    timings = {}
    open_widget(patient)
    patient.get_by_role("button", name="Talk to a nurse").click()
    expect(widget_lines(patient).last).to_contain_text("A nurse can join this chat",
                                                 timeout=30_000)  # fmt: skip
    conversation = conversation_of(patient)

    sign_in(nurse, staff_accounts["nurse"])
    clicked = time.monotonic()
    join(nurse, conversation)
    expect(nurse.get_by_role("heading", name="Summary")).to_be_visible()
    expect(nurse.locator(".summary")).to_contain_text("asked to speak to a nurse")
    timings["joined"] = within_2_seconds(widget_lines(patient).last,
                                         "Nora, a nurse, has joined", clicked)  # fmt: skip
    expect(patient.get_by_role("status").filter(has_text="chatting with Nora")).to_be_visible()

    sent = nurse_says(nurse, "Hello, I'm Nora. What would you like to talk about?")
    timings["nurse_to_patient"] = within_2_seconds(
        patient.locator("li.msg.nurse").last, "What would you like to talk about?", sent
    )
    answers_before = patient.locator("li.msg.bot").count()
    sent = time.monotonic()
    patient_says(patient, "What is fat grafting? I'm worried about lumps")
    timings["patient_to_nurse"] = within_2_seconds(nurse_lines(nurse), "worried about lumps", sent)
    # The nurse is there: the assistant does not answer the question itself.
    expect(patient.locator("li.msg.user").last).to_contain_text("worried about lumps")
    patient.wait_for_timeout(500)
    expect(patient.locator("li.msg.bot")).to_have_count(answers_before)

    sent = time.monotonic()
    patient_says(patient, "I have crushing chest pain")
    timings["emergency"] = within_2_seconds(patient.locator("li.msg.bot.alert").last, "999", sent)
    expect(patient.locator(".banner")).to_contain_text("This could be an emergency. Call 999 now.")
    expect(nurse_lines(nurse)).to_contain_text("I have crushing chest pain")
    with stack_database.unit_of_work() as session:
        flag = session.scalars(select(Flag).where(Flag.conversation_id == conversation)).one()
        assert flag.level == "emergency" and flag.status == "open"  # escalated, looked at anew

    # The web app goes down under both of them and comes back: the patient's connection is
    # re-established (or polled) from the last line shown; what the nurse writes at once arrives
    # once, and nothing before it is repeated.
    web_app_restarts(stack)
    nurse.reload()
    nurse_says(nurse, "First after the break")
    nurse_says(nurse, "Second after the break")
    expect(patient.locator("li.msg.nurse").last).to_contain_text("Second after the break",
                                                                 timeout=20_000)  # fmt: skip
    texts = patient.locator("li.msg.nurse").all_inner_texts()
    assert [sum(line in t for t in texts) for line in (
        "What would you like to talk about?", "First after the break", "Second after the break",
    )] == [1, 1, 1]  # fmt: skip

    assert run_axe(patient, AXE) == []
    assert run_axe(nurse, AXE) == []

    nurse.get_by_role("button", name="Hand back to the assistant").click()
    expect(widget_lines(patient).last).to_contain_text("handed you back to the assistant")
    expect(patient.get_by_role("status").filter(has_text="chatting with Nora")).to_be_hidden()
    patient_says(patient, "what is fat grafting?")
    expect(patient.locator("li.msg.bot").last).to_contain_text("Fat grafting uses your own fat")
    record(project_root / "results" / "live-chat-browser.json", timings)


def test_reloading_the_page_in_a_chat_keeps_it_and_repeats_nothing(
    two_browsers, staff_accounts, artifacts: Path
) -> None:
    patient, nurse, _ = two_browsers
    open_widget(patient)
    patient.get_by_role("button", name="Talk to a nurse").click()
    expect(widget_lines(patient).last).to_contain_text("A nurse can join this chat",
                                                 timeout=30_000)  # fmt: skip
    conversation = conversation_of(patient)
    sign_in(nurse, staff_accounts["nurse"])
    join(nurse, conversation)
    nurse_says(nurse, "Are you still there?")
    expect(patient.locator("li.msg.nurse")).to_have_count(1)
    patient.reload()
    expect(patient.locator("li.msg.nurse")).to_have_count(1)
    nurse_says(nurse, "Good, I can see you.")
    expect(patient.locator("li.msg.nurse")).to_have_count(2)
    # Desktop and phone (390 px) views of both sides, for people to look at.
    patient.screenshot(path=str(artifacts / "live-chat-patient-desktop.png"))
    nurse.screenshot(path=str(artifacts / "live-chat-nurse-desktop.png"), full_page=True)
    for page, name in ((patient, "patient"), (nurse, "nurse")):
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(
            path=str(artifacts / f"live-chat-{name}-390.png"), full_page=name == "nurse"
        )
    expect(patient.get_by_label("Your message")).to_be_in_viewport()
    nurse.get_by_role("button", name="Close the chat").click()
    expect(widget_lines(patient).last).to_contain_text("has closed the chat")


def test_without_server_sent_events_the_widget_polls_and_still_gets_every_line(
    two_browsers, staff_accounts, artifacts: Path
) -> None:
    patient, nurse, _ = two_browsers
    sign_in(nurse, staff_accounts["nurse"])
    patient.add_init_script("delete window.EventSource")
    open_widget(patient)
    patient.get_by_role("button", name="Talk to a nurse").click()
    expect(widget_lines(patient).last).to_contain_text("A nurse can join this chat",
                                                       timeout=30_000)  # fmt: skip
    # The nurse's list tells her, on screen and to her screen reader, that someone is waiting.
    notice = nurse.get_by_role("status").filter(has_text="a patient is waiting")
    expect(notice).to_contain_text("asked to speak to a nurse", timeout=10_000)
    expect(nurse.locator("#waiting")).to_contain_text("just now")
    nurse.screenshot(path=str(artifacts / "live-chat-waiting-list.png"), full_page=True)
    join(nurse, conversation_of(patient))
    expect(widget_lines(patient).last).to_contain_text("Nora, a nurse, has joined")
    nurse_says(nurse, "Polling works too")
    expect(patient.locator("li.msg.nurse").last).to_contain_text("Polling works too")
    nurse.get_by_role("button", name="Close the chat").click()
    expect(widget_lines(patient).last).to_contain_text("has closed the chat")


def test_out_of_hours_the_widget_says_when_nurses_are_in_and_offers_the_call_back(
    page, stack
) -> None:
    # The team's hours come from the settings; this stack's are not set (nurses may always
    # join), so the web app's answer is replaced by an out-of-hours one for this page only.
    def out_of_hours(route) -> None:
        route.fulfill(json={"active": False, "nurse": "", "last_id": 0, "in_hours": False,
                            "team_hours": "8am to 6pm on weekdays",
                            "team_phone": "01632 960 123"})  # fmt: skip

    page.route("**/patient/live/status", out_of_hours)
    open_widget(page)
    page.get_by_role("button", name="Talk to a nurse").click()
    told = widget_lines(page).last
    expect(told).to_contain_text("Nurses are not in now", timeout=30_000)
    expect(told).to_contain_text("8am to 6pm on weekdays")
    expect(told).to_contain_text("reply with your phone number")
