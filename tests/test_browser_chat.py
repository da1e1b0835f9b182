"""The chat in a real headless Chromium against the real server process."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import screenshot

EXIT_HOST = "www.bbc.co.uk"


def block_outside(page: Any) -> list[str]:
    """Answer any request to another origin locally (this machine has no
    internet), and record it: quick exit's target is the only one expected."""
    outside: list[str] = []

    def handle(route: Any) -> None:
        outside.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>Weather</title><p>Weather</p>")

    page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), handle)
    return outside


def said(locator: Any) -> str:
    """A message's words, without the speaker label screen readers hear."""
    return str(
        locator.evaluate(
            "el => { const c = el.cloneNode(true); c.querySelector('.speaker')?.remove(); "
            "return c.textContent.trim(); }"
        )
    )


def last_bot_text(page: Any) -> str:
    return said(page.locator("#log .msg.bot").last)


def open_chat(page: Any, base: str) -> None:
    """The chat page, with its script running (it stores the token)."""
    page.goto(base + "/")
    page.wait_for_function("() => sessionStorage.getItem('safechat.token')")


def choose(page: Any, label: str) -> None:
    _press_and_wait(page, page.get_by_role("button", name=label, exact=True))


def type_and_send(page: Any, text: str) -> None:
    """Types in the box and sends, then waits for the chat's answer."""
    page.get_by_label("Or type in your own words").fill(text)
    _press_and_wait(page, page.get_by_role("button", name="Send"))


def _press_and_wait(page: Any, button: Any) -> None:
    count = page.locator("#log .msg.bot").count()
    button.click()
    page.wait_for_function("n => document.querySelectorAll('#log .msg.bot').length > n", arg=count)


def test_click_through_welcome_and_back(live_server: Any, page: Any) -> None:
    errors: list[str] = []  # any console error or failed request (a CSP refusal, a 404) fails this
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_chat(page, live_server.base)
    assert "Who are you?" in page.locator("#log").inner_text()
    screenshot(page, "chat-welcome")
    choose(page, "I'm under 18")
    assert "What is happening?" in last_bot_text(page)
    # the newest message has focus, so keyboard and screen-reader users land on it
    assert page.evaluate("document.activeElement.classList.contains('msg')")
    # your choice is echoed in the log
    assert said(page.locator("#log .msg.you").last) == "I'm under 18"
    choose(page, "Back")
    assert "Who are you?" in last_bot_text(page)
    screenshot(page, "chat-after-back")
    assert errors == []


def test_help_now_and_carry_on(live_server: Any, page: Any) -> None:
    open_chat(page, live_server.base)
    choose(page, "I'm a parent or carer")
    choose(page, "Help now")
    crisis = last_bot_text(page)
    assert "999" in crisis and "0800 1111" in crisis and "116 123" in crisis
    assert page.locator("#log .msg.crisis").count() >= 1
    screenshot(page, "chat-help-now")
    choose(page, "Carry on where I was")
    assert "How can we help?" in last_bot_text(page)


def test_typed_crisis_interrupts(live_server: Any, page: Any) -> None:
    open_chat(page, live_server.base)
    type_and_send(page, "i just want to kms tbh")
    assert "0800 1111" in last_bot_text(page)
    # the first screen: nowhere to carry on to, so only Back (to the welcome)
    assert page.get_by_role("button", name="Carry on where I was").count() == 0
    choose(page, "Back")
    assert "Who are you?" in last_bot_text(page)


def test_without_javascript(live_server: Any, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.base + "/chat")
    page.get_by_role("button", name="I work in a school").click()
    assert "What do you need?" in page.locator("#log").inner_text()
    page.get_by_role("button", name="Help now").click()
    assert "116 123" in page.locator("#log").inner_text()
    screenshot(page, "chat-no-js")
    page.get_by_role("button", name="Carry on where I was").click()
    assert "What do you need?" in page.locator("#log").inner_text()
    context.close()


def test_quick_exit_button_leaves_and_forgets(live_server: Any, page: Any) -> None:
    outside = block_outside(page)
    page.goto(live_server.base + "/help")  # somewhere before the chat in history
    open_chat(page, live_server.base)
    choose(page, "I'm under 18")
    page.get_by_role("link", name="Exit this page").click()
    page.wait_for_url(f"https://{EXIT_HOST}/**")
    assert outside and EXIT_HOST in outside[-1]
    page.go_back()
    # Back skips the chat: its history entry was replaced by the exit page
    page.wait_for_url("**/help")
    open_chat(page, live_server.base)
    assert "Who are you?" in last_bot_text(page)  # a fresh start, not the old conversation


def test_shift_three_times_leaves(live_server: Any, page: Any) -> None:
    outside = block_outside(page)
    open_chat(page, live_server.base)
    choose(page, "I'm a parent or carer")
    stored = page.evaluate("sessionStorage.getItem('safechat.token')")
    assert stored
    # Capitals while typing must not trigger it.
    box = page.get_by_label("Or type in your own words")
    box.click()
    box.press_sequentially("My Son Is OK")
    assert page.url.startswith(live_server.base)
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(f"https://{EXIT_HOST}/**")
    assert outside
    assert page.evaluate("sessionStorage.length") == 0


def test_reconnects_after_server_restart(live_server: Any, page: Any) -> None:
    open_chat(page, live_server.base)
    choose(page, "I'm a parent or carer")
    live_server.restart()
    choose(page, "Something else")  # the socket reconnects, or the HTTP fallback answers
    assert "0808 800 5000" in last_bot_text(page)
    # and a reload picks up the same place from sessionStorage
    page.reload()
    page.wait_for_function("t => document.querySelector('#log').innerText.includes(t)", arg="0808 800 5000")
    # the whole conversation so far, once: welcome (3), parent menu (1), this step (1)
    assert page.locator("#log .msg.bot").count() == 5
    assert page.locator("#log").inner_text().count("0808 800 5000") == 1


def test_dsl_prints_a_timestamped_record(live_server: Any, page: Any, tmp_path: Any) -> None:
    """The DSL's record is assembled in the browser from the conversation,
    with the time of each answer and fields that never leave the device
    (the record itself: tests/test_browser_dsl_record.py)."""
    import shutil
    import subprocess

    sent: list[str] = []  # every request body and every WebSocket frame the page sends
    page.on("request", lambda req: sent.append(req.post_data or ""))
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(str(frame))))
    open_chat(page, live_server.base)
    choose(page, "I work in a school")
    choose(page, "I'm the DSL: review an incident")
    choose(page, "England")
    choose(page, "No")  # adult involved?
    choose(page, "Yes")  # coerced, blackmailed or groomed?
    assert "Refer to the police" in page.locator("#log").inner_text()
    notes = "Notes-4f2a: spoke to Year 10 pastoral lead"
    page.get_by_label("Actions (who, by when)").fill(notes)
    page.evaluate("() => { window.print = () => {}; }")  # the dialog itself is the browser's
    page.get_by_role("button", name="Print or save as PDF").click()
    page.emulate_media(media="print")
    pdf = tmp_path / "record.pdf"
    page.pdf(path=str(pdf), format="A4")
    screenshot(page, "dsl-record-print")
    assert not any(notes in body for body in sent)  # the notes were never sent
    assert sent and any("act" in body for body in sent)  # the capture did see the chat's traffic
    if not shutil.which("pdftotext"):
        pytest.skip("reading the PDF needs poppler-utils (.ci/run installs it)")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Record of the initial review" in text
    assert "Does the incident involve an adult?" in text and "Refer to the police" in text
    assert notes in text
    assert re.search(r"\d{1,2}:\d{2}", text)  # each answer carries its time
    lines = [ln.strip() for ln in text.splitlines()]
    answers = [ln for ln in lines if re.search(r"\?\s+(Yes|No)$", ln)]
    assert [a.split()[-1] for a in answers] == ["No", "Yes"], lines  # the answers given, in order
    assert "Decision" in text and "Reason" in text
    assert "Who are you?" not in text  # only the review itself, not the welcome before it
    assert "Or type in your own words" not in text and "Send" not in lines
