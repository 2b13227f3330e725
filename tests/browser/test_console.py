"""The staff console in a real browser against the running stack."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.support.stack import Chat

pytestmark = pytest.mark.browser


def test_a_nurse_signs_in_and_sees_the_flag_queue(page: Page, staff_accounts) -> None:
    sign_in(page, staff_accounts["nurse"])
    expect(page.get_by_role("heading", name="Flag queue")).to_be_visible()
    expect(page.get_by_text("Nora Nurse (nurse)")).to_be_visible()


def test_a_nurse_resolves_a_flag_raised_by_a_real_conversation(
    page: Page, staff_accounts, chat: Chat
) -> None:
    reply = chat.say("I have crushing chest pain and I can't breathe")
    reference = reply[-1]["custom"]["flag_reference"]
    sign_in(page, staff_accounts["nurse"])
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=f"Flag {reference}")).to_be_visible()
    expect(page.get_by_text("I have crushing chest pain and I can't breathe")).to_be_visible()
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_label("How was it resolved?").fill("Patient called 999, team informed")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("resolved by browser.nurse")).to_be_visible()
    history = page.locator("ol.history")
    expect(history).to_contain_text("browser.nurse acknowledged")
    expect(history).to_contain_text("browser.nurse resolved: Patient called 999, team informed")
    page.goto("/console/flags")
    expect(page.get_by_role("link", name=reference)).to_have_count(0)


def test_an_admin_edits_an_answer_and_the_next_patient_reply_shows_the_new_text(
    page: Page, staff_accounts, chat: Chat
) -> None:
    new_text = ("Placing a breast implant is one option. Your plastic surgeon can say "
                "whether it would suit you.")  # fmt: skip
    sign_in(page, staff_accounts["admin"], "/console/answers/implant-overview")
    page.get_by_label("Text").fill(new_text)
    expect(page.locator("#preview-text")).to_have_text(new_text)
    page.get_by_label("Why this change?").fill("Shorter for patients")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Shorter for patients")).to_be_visible()
    try:
        reply = chat.say("can I have an implant?")
        assert reply[0]["text"] == new_text
    finally:
        page.get_by_role("row", name="1 published source verified seed").get_by_role(
            "button", name="Revert to this").click()  # fmt: skip
        expect(page.get_by_text("Reverted to version 1")).to_be_visible()
    assert chat.say("can I have an implant?")[0]["text"] != new_text


def test_a_nurse_is_refused_an_admin_page(page: Page, staff_accounts) -> None:
    sign_in(page, staff_accounts["nurse"])
    response = page.goto("/console/answers")
    assert response.status == 403
    expect(page.get_by_text("This page is for admins only.")).to_be_visible()
    expect(page.get_by_role("link", name="Answers")).to_have_count(0)


def test_a_patient_message_with_a_script_tag_is_shown_as_text(
    page: Page, staff_accounts, chat: Chat
) -> None:
    message = "<script>window.pwned = true</script> <b>what is a flap?</b>"
    chat.say(message)
    sign_in(page, staff_accounts["nurse"], f"/console/conversations/{chat.sender}")
    expect(page.locator(".turn.patient .text").first).to_have_text(message)
    assert page.evaluate("() => window.pwned === undefined")
    page.goto(f"/console/conversations?q={chat.sender[-6:]}")
    page.goto("/console/conversations?q=pwned")
    expect(page.get_by_role("link", name=chat.sender)).to_be_visible()
    assert page.evaluate("() => window.pwned === undefined")


def test_insights_draw_their_charts_from_the_shipped_chart_library(
    page: Page, staff_accounts, chat: Chat
) -> None:
    chat.say("what is lipofilling")
    sign_in(page, staff_accounts["nurse"], "/console/insights")
    page.wait_for_function("() => typeof Chart !== 'undefined'")
    assert page.evaluate("() => Chart.getChart(document.getElementById('per-day')) !== undefined")


def test_an_admin_signs_off_an_answer_for_a_clinician_and_the_patient_notice_goes(
    page: Page, staff_accounts, chat: Chat
) -> None:
    question = "what if the recurrence is inflammatory and can't be removed?"
    before = chat.say(question)[-1]["custom"]
    assert (before["answer_id"], before["review_status"]) == (
        "recurrence-advanced", "needs_clinical_review")  # fmt: skip
    sign_in(page, staff_accounts["admin"], "/console/answers/recurrence-advanced")
    page.get_by_label("Reviewing clinician's name").fill("Dr Cara Clinician")
    page.get_by_label("What you checked").fill("Matches the source; fits our pathway.")
    page.get_by_label("I sign this for the clinician named above").check()
    page.get_by_role("button", name="Approve clinically").click()
    expect(page.locator(".approved")).to_contain_text("clinically approved by Dr Cara Clinician")
    expect(page.locator("table.list")).to_contain_text("clinically approved: Dr Cara Clinician")
    # A new patient: the same question twice in one conversation gets the topic's next answer.
    after = Chat(chat.config, sender=f"{chat.sender}-after").say(question)[-1]["custom"]
    assert after["answer_id"] == "recurrence-advanced"
    assert after["review_status"] == "clinically_approved" and "notice" not in after
    page.goto("/console/audit")
    expect(
        page.get_by_role("row").filter(has_text="answer clinically approved").first
    ).to_contain_text("Dr Cara Clinician")
