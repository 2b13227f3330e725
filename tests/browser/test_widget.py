"""The patient chat widget on the demo clinic page, in a real browser against the stack."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def open_widget(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Questions? Chat with us").click()
    expect(page.get_by_role("dialog")).to_be_visible()


def send(page: Page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send").click()


def bot_messages(page: Page):
    return page.locator("li.msg.bot")


def test_the_first_message_says_who_it_is_that_it_is_not_medical_advice_and_how_to_get_help(
    page: Page,
) -> None:
    open_widget(page)
    first = bot_messages(page).first
    expect(first).to_contain_text("information assistant of Riverside Breast Unit")
    expect(first).to_contain_text("not medical advice")
    expect(first).to_contain_text("call 999 now")
    for topic in ("The options", "Timing", "Risks", "Recovery"):
        expect(page.get_by_role("button", name=topic)).to_be_visible()
    expect(page.get_by_role("button", name="Talk to a nurse")).to_be_visible()


def test_asking_about_fat_grafting_shows_the_answer_and_its_source(page: Page) -> None:
    open_widget(page)
    send(page, "what is fat grafting?")
    answer = bot_messages(page).nth(1)
    expect(answer).to_contain_text("Fat grafting uses your own fat")
    expect(answer.locator(".source")).to_have_text(
        "From: Northwell Health; Macmillan Cancer Support"
    )


def test_reporting_chest_pain_shows_the_emergency_banner_with_the_number(page: Page) -> None:
    open_widget(page)
    send(page, "I have crushing chest pain")
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("This could be an emergency. Call 999 now.")
    expect(banner.get_by_role("link", name="999")).to_have_attribute("href", "tel:999")
    expect(bot_messages(page).nth(1)).to_have_class("msg bot alert")


def test_a_same_day_problem_shows_the_day_and_out_of_hours_numbers_as_phone_links(
    page: Page,
) -> None:
    open_widget(page)
    send(page, "my temperature is 38.6")
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("Call your surgical team now: 01632 960 123, or out of hours")
    expect(banner.get_by_role("link", name="01632 960 123")).to_have_attribute(
        "href", "tel:01632960123"
    )
    expect(banner.get_by_role("link", name="01632 960 999")).to_have_attribute(
        "href", "tel:01632960999"
    )


def test_an_answer_awaiting_clinical_review_shows_the_notice_and_what_its_source_is(
    page: Page,
) -> None:
    open_widget(page)
    send(page, "what is the treatment if the cancer comes back in the same breast?")
    answer = bot_messages(page).nth(1)
    expect(answer).to_contain_text("remove the whole breast")
    expect(answer.locator(".source")).to_have_text(
        "From: Dr.Oracle (AI-generated summary written for doctors)"
    )
    expect(answer.locator(".notice")).to_have_text(
        "A clinician has not checked this answer yet, so please talk it through with your own team."
    )
    page.reload()  # the notice stays with the answer in the kept conversation
    expect(bot_messages(page).nth(1).locator(".notice")).to_be_visible()


def test_a_checked_answer_has_no_notice(page: Page) -> None:
    open_widget(page)
    send(page, "what is fat grafting?")
    expect(bot_messages(page).nth(1)).to_contain_text("Fat grafting")
    expect(bot_messages(page).nth(1).locator(".notice")).to_have_count(0)


def test_a_whole_conversation_by_keyboard_only(page: Page) -> None:
    page.goto("/")
    launcher = page.get_by_role("button", name="Questions? Chat with us")
    for _ in range(10):  # through the page's own links to the launcher, which comes last
        page.keyboard.press("Tab")
        if launcher.evaluate("b => b.getRootNode().activeElement === b"):
            break
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your message")).to_be_focused()
    page.keyboard.type("what is a TAP flap?")
    page.keyboard.press("Enter")
    expect(bot_messages(page).nth(1)).to_contain_text("TAP flap")
    # Tab stays inside the open dialog: once round all its controls, back to the start.
    focusable = page.evaluate(
        "() => document.querySelector('[data-clinic-assistant]').shadowRoot.querySelectorAll("
        "'.panel button:not([disabled]), .panel textarea, .panel [tabindex=\"0\"]').length"
    )
    for _ in range(focusable + 1):
        page.keyboard.press("Tab")
        assert page.evaluate(
            "() => !!document.querySelector('[data-clinic-assistant]').shadowRoot"
            ".activeElement?.closest('.panel')"
        )
    page.get_by_role("button", name="Timing").focus()
    page.keyboard.press("Enter")
    expect(bot_messages(page).last).to_contain_text("lumpectomy")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_role("button", name="Questions? Chat with us")).to_be_focused()


def test_reloading_the_page_keeps_the_conversation_and_its_history(page: Page) -> None:
    open_widget(page)
    send(page, "what is lipofilling")
    expect(bot_messages(page).nth(1)).to_contain_text("lipomodelling")
    page.reload()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.locator("li.msg.user")).to_have_text(["You said: what is lipofilling"])
    expect(bot_messages(page).nth(1)).to_contain_text("lipomodelling")
    send(page, "and the risks?")
    expect(bot_messages(page).last).to_contain_text("risks")


def test_when_the_server_is_down_it_says_so_with_the_clinic_number_and_retries(
    page: Page,
) -> None:
    open_widget(page)
    page.route("**/webhooks/rest/webhook", lambda route: route.abort())
    send(page, "what is a TAP flap?")
    failure = bot_messages(page).last
    expect(failure).to_contain_text("can't reach the assistant right now")
    expect(failure).to_contain_text("01632 960 123")
    page.unroute("**/webhooks/rest/webhook")
    failure.get_by_role("button", name="Try again").click()
    expect(bot_messages(page).last).to_contain_text("TAP flap")


def test_a_message_with_markup_is_shown_as_text(page: Page) -> None:
    open_widget(page)
    markup = '<img src=x onerror="window.pwned=1"><b>bold</b>'
    send(page, markup)
    expect(page.locator("li.msg.user").last).to_have_text(f"You said: {markup}")
    expect(page.locator("[data-clinic-assistant] img")).to_have_count(0)
    assert page.evaluate("() => window.pwned === undefined")


def test_the_message_has_a_length_limit_with_a_counter_and_no_double_send(page: Page) -> None:
    open_widget(page)
    box = page.get_by_label("Your message")
    box.fill("x" * 1200)
    assert len(box.input_value()) == 1000
    expect(page.get_by_text("1000 of 1000 characters")).to_be_visible()
    box.fill("what is an implant?")
    page.route("**/webhooks/rest/webhook", lambda route: (page.wait_for_timeout(300),
                                                          route.continue_()))  # fmt: skip
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    expect(page.get_by_text("The assistant is writing")).to_be_visible()
    box.fill("what is an implant?")
    box.press("Enter")
    expect(bot_messages(page).last).to_contain_text("implant")
    expect(page.locator("li.msg.user")).to_have_count(1)


def test_axe_finds_no_serious_or_critical_accessibility_problem(page: Page, project_root) -> None:
    open_widget(page)
    send(page, "I have crushing chest pain")
    expect(page.get_by_role("alert")).to_be_visible()
    # Evaluated, not added as a <script>: the demo page's CSP refuses inline scripts, as it should.
    page.evaluate(AXE.read_text() + "\n;0")
    results = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    out = project_root / "results" / "axe.json"
    out.write_text(json.dumps({"violations": results["violations"]}, indent=1))
    assert serious == [], [(v["id"], v["help"]) for v in serious]


@pytest.mark.parametrize(("width", "height"), [(320, 640), (640, 450)])
def test_usable_at_320_px_and_at_200_percent_zoom(page: Page, width: int, height: int) -> None:
    # 640 x 450 CSS pixels is a 1280 x 900 window zoomed to 200%.
    page.set_viewport_size({"width": width, "height": height})
    open_widget(page)
    for control in (page.get_by_label("Your message"), page.get_by_role("button", name="Send"),
                    page.get_by_role("button", name="Close the chat")):  # fmt: skip
        expect(control).to_be_in_viewport()
    send(page, "what is a TAP flap?")
    expect(bot_messages(page).nth(1)).to_contain_text("TAP flap")


def test_desktop_and_mobile_screenshots(page: Page, artifacts: Path) -> None:
    open_widget(page)
    send(page, "what is fat grafting?")
    expect(bot_messages(page).nth(1)).to_contain_text("Fat grafting")
    page.screenshot(path=str(artifacts / "widget-desktop.png"))
    page.set_viewport_size({"width": 375, "height": 740})
    send(page, "I have crushing chest pain")
    expect(page.get_by_role("alert")).to_be_visible()
    page.screenshot(path=str(artifacts / "widget-mobile-emergency.png"))


def test_the_widget_script_is_small(project_root) -> None:
    script = project_root / "clinic_assistant/web/static/widget/widget.js"
    assert len(gzip.compress(script.read_bytes())) <= 50 * 1024


# ---------------------------------------------------------------- the patient's conversation
def widget_state(page: Page) -> dict:
    return page.evaluate(
        "() => JSON.parse(Object.keys(sessionStorage).filter(k => k.startsWith('clinic-assistant'))"
        ".map(k => sessionStorage.getItem(k))[0])"
    )


def test_the_widget_keeps_its_conversation_s_secret_and_continues_with_it(page: Page) -> None:
    open_widget(page)
    send(page, "what is fat grafting?")
    expect(bot_messages(page)).to_have_count(2)
    state = widget_state(page)
    assert len(state["secret"]) == 43
    send(page, "and what are the risks?")
    expect(bot_messages(page)).to_have_count(3)
    expect(bot_messages(page).nth(2)).not_to_contain_text("can only be continued")


def test_the_widget_says_what_is_kept_and_for_how_long_and_forgets_on_request(
    page: Page, stack
) -> None:
    from clinic_assistant.transcripts import TrackerReader

    open_widget(page)
    expect(page.locator(".privacy span")).to_contain_text("This conversation is kept")
    send(page, "what is fat grafting?")
    expect(bot_messages(page)).to_have_count(2)
    sender = widget_state(page)["sender"]
    reader = TrackerReader(stack.config.settings.tracker_reader_url)
    assert reader.transcript(sender)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    assert "fat grafting" in Path(download.value.path()).read_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Forget me").click()
    expect(bot_messages(page).last).to_contain_text("Your conversation has been deleted")
    assert reader.transcript(sender) == []
    assert widget_state(page)["sender"] != sender
    reader.dispose()


def test_a_widget_that_lost_its_secret_starts_a_new_conversation(page: Page, stack) -> None:
    import requests

    taken = f"web-{__import__('uuid').uuid4().hex}"
    first = requests.post(stack.config.webhook_url, timeout=60,
                          json={"sender": taken, "message": "hello", "secret": ""})  # fmt: skip
    assert first.status_code == 200
    page.goto("/")
    page.evaluate(
        "([sender, server]) => sessionStorage.setItem('clinic-assistant:' + server, "
        "JSON.stringify({v: 2, sender: sender, secret: '', items: [], open: false}))",
        [taken, stack.config.rasa_url],
    )
    open_widget(page)
    send(page, "what is fat grafting?")
    expect(bot_messages(page).last).to_contain_text("can only be continued")
    assert widget_state(page)["sender"] != taken
    send(page, "what is fat grafting?")
    expect(bot_messages(page).last).to_contain_text("Fat grafting uses your own fat")
