"""What people keep and what they leave behind (issue 17, sections 2-5):
printouts worth keeping, no trace in the browser's history, the conversation
kept on screen, the fingerprint page, the About page, and Welsh from the
browser. Pages without a browser first, then Chromium at phone and desktop
size, with and without JavaScript."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import ARTIFACTS, packages_named, screenshot, skipped_line
from flask.testing import FlaskClient
from test_browser_chat import choose, last_bot_text, open_chat, said

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
BRITISH = re.compile(rf"\b\d{{1,2}} ({MONTHS}) 20\d\d, \d\d:\d\d (GMT|BST|UTC)\b")
WELSH_MONTHS = "Ionawr|Chwefror|Mawrth|Ebrill|Mai|Mehefin|Gorffennaf|Awst|Medi|Hydref|Tachwedd|Rhagfyr"


def token_of(html: str) -> str:
    m = re.search(r'name="token" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def form(client: FlaskClient, data: dict[str, str]) -> str:
    """A form answer without JavaScript: a redirect, then the page it names."""
    res = client.post("/chat", data=data)
    assert res.status_code == 303, res.status_code
    query = parse_qs(urlsplit(res.headers["Location"]).query)
    assert set(query) <= {"t", "problem", "ask"}  # never typed text
    page = client.get(res.headers["Location"])
    assert page.status_code == 200
    return page.get_data(as_text=True)


# --- section 5: Welsh from the browser ------------------------------------------


@pytest.mark.parametrize("path", ["/", "/chat", "/help", "/about", "/fingerprints"])
def test_accept_language_welsh_gives_welsh_pages(client: FlaskClient, path: str) -> None:
    html = client.get(path, headers={"Accept-Language": "cy,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="cy"' in html and "Gadael y dudalen hon" in html
    english = client.get(path, headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert '<html lang="en"' in english
    chosen = client.get(path + "?lang=en", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    assert '<html lang="en"' in chosen  # an explicit choice beats the browser's


def test_closing_line_names_the_system_packages() -> None:
    # the skip reasons the suite gives, read for the package each needs
    assert packages_named("Debian chromium is not installed (apt-get install chromium)") == {"chromium"}
    assert packages_named("reading the PDF needs poppler-utils (.ci/run installs it)") == {"poppler-utils"}
    assert packages_named("redis-server and nginx are not installed") == {"redis-server", "nginx"}
    assert packages_named("no build/manifest.json: run `make build`") == set()
    assert skipped_line({}) == "Browser and cluster tests: none skipped."
    line = skipped_line({"a": {"chromium"}, "b": {"redis-server", "nginx"}, "c": {"chromium"}})
    assert (
        line
        == "Browser and cluster tests: 3 skipped; apt-get install chromium nginx redis-server would run them."
    )


def test_tests_read_nothing_beside_the_project() -> None:
    here = Path(__file__).resolve().parent
    for path in here.glob("*.py"):
        if path.name == Path(__file__).name:
            continue
        text = path.read_text(encoding="utf-8")
        # the folder beside a clone that a user's clone does not have, spelt
        # in pieces so that this file does not match its own search
        beside = "shared"
        assert f'"{beside}"' not in text and f"../{beside}" not in text, path.name
    assert (here / "data" / "pdq" / "LICENSE-ThreatExchange").exists()


# --- section 3 without a browser: post/redirect/get and the conversation so far -----


def test_every_form_answer_redirects_and_the_conversation_stays(client: FlaskClient) -> None:
    html = client.get("/chat").get_data(as_text=True)
    html = form(client, {"token": token_of(html), "choose": "young_person"})
    html = form(client, {"token": token_of(html), "choose": "youth_sextortion"})
    html = form(client, {"token": token_of(html), "choose": "one_step"})
    # every step so far, with the buttons pressed, then this one
    for words in (
        "Who are you?",
        "I&#39;m under 18",
        "Someone is threatening to share my nudes",
        "Step 1 of 9",
    ):
        assert words in html, words
    # switching language keeps the conversation and shows it all in Welsh
    cy = form(client, {"token": token_of(html), "locale": "cy"})
    assert '<html lang="cy"' in cy and "Cam 1 o 9" in cy and "Who are you?" not in cy
    assert cy.count('class="msg bot') == html.count('class="msg bot')
    # typed text is answered but never shown again from the server
    typed = form(client, {"token": token_of(html), "say": "secret-words-9d1 he wants money"})
    assert "secret-words-9d1" not in typed


def test_help_now_link_carries_the_conversation_back(client: FlaskClient) -> None:
    html = form(client, {"token": token_of(client.get("/chat").get_data(as_text=True)), "choose": "parent"})
    token = token_of(html)
    link = re.search(r'href="(/help[^"]*)" class="help-link"', html)
    assert link and "t=" in link.group(1)
    help_page = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    back = re.search(r'id="back-to-chat" href="([^"]+)"', help_page)
    assert back and parse_qs(urlsplit(back.group(1).replace("&amp;", "&")).query)["t"] == [token]
    again = client.get(back.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "How can we help?" in again and "Who are you?" in again  # same step, conversation above it


def test_start_again_asks_first_without_javascript(client: FlaskClient) -> None:
    html = form(client, {"token": token_of(client.get("/chat").get_data(as_text=True)), "choose": "parent"})
    asking = form(client, {"token": token_of(html), "choose": "start_again"})
    assert "Start again? This clears the conversation" in asking
    assert (
        'id="confirm-restart" class="confirm" role="alertdialog" aria-labelledby="confirm-restart-text">'
        in asking
    )
    assert "How can we help?" in asking  # nothing wiped yet
    fresh = form(client, {"token": token_of(asking), "choose": "start_again", "sure": "1"})
    assert "How can we help?" not in fresh and "Who are you?" in fresh


def test_first_screen_offers_no_carry_on(client: FlaskClient) -> None:
    html = form(client, {"token": token_of(client.get("/chat").get_data(as_text=True)), "choose": "help_now"})
    assert "116 123" in html and 'value="resume"' not in html and 'value="back"' in html
    deeper = form(client, {"token": token_of(html), "choose": "back"})
    deeper = form(client, {"token": token_of(deeper), "choose": "parent"})
    crisis = form(client, {"token": token_of(deeper), "choose": "help_now"})
    assert 'value="resume"' in crisis  # somewhere to carry on to now


def test_hiding_a_visit_is_explained(client: FlaskClient) -> None:
    for path in ("/help", "/about"):
        html = client.get(path).get_data(as_text=True)
        assert "Clear your browser history" in html and "private window" in html
        assert "On a phone, tap it" in html
    welcome = client.get("/chat").get_data(as_text=True)
    assert "use a private window" in welcome  # the privacy note
    # Shift is only mentioned by the script, and only where there is a keyboard
    for path in ("/chat", "/help", "/about", "/fingerprints", "/parents/agreement"):
        html = client.get(path).get_data(as_text=True)
        visible = re.sub(r'<span class="exit-tip-keys" hidden>.*?</span>', "", html, flags=re.S)
        assert "Shift" not in visible, path


@pytest.mark.parametrize(
    "path", ["/", "/chat", "/help", "/about", "/fingerprints", "/parents/agreement", "/nope"]
)
def test_about_is_linked_from_every_page(client: FlaskClient, path: str) -> None:
    assert 'href="/about"' in client.get(path).get_data(as_text=True)


def test_about_says_who_where_and_what_is_kept(client: FlaskClient) -> None:
    html = client.get("/about").get_data(as_text=True)
    for heading in ("Who runs it", "Where the words come from", "What is kept"):
        assert f"<h2>{heading}</h2>" in html
    assert "https://talk.iwf.org.uk/" in html and "National Crime Agency" in html  # from content/sources.yaml
    assert "github.com" not in html  # the project's own entry is not a source of advice
    assert "IP address" in html
    cy = client.get("/about?lang=cy").get_data(as_text=True)
    assert "Beth sy&#39;n cael ei gadw" in cy or "Beth sy'n cael ei gadw" in cy


# --- in Chromium ------------------------------------------------------------------


@pytest.fixture(params=["phone", "desktop"])
def size(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def context_for(browser: Any, size: str, js: bool = True, **extra: Any) -> Any:
    if size == "phone":
        return browser.new_context(
            viewport=PHONE, java_script_enabled=js, is_mobile=True, has_touch=True, **extra
        )
    return browser.new_context(viewport=DESKTOP, java_script_enabled=js, **extra)


@pytest.fixture
def tab(browser: Any, size: str) -> Iterator[Any]:
    ctx = context_for(browser, size)
    yield ctx.new_page()
    ctx.close()


def methods_seen(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: r.resource_type == "document" and seen.append(f"{r.method} {r.url}"))
    return seen


def test_no_form_resubmission_with_javascript(live_server: Any, tab: Any, size: str) -> None:
    """Cymraeg, Help now, Back, reload: every page a GET, the conversation
    where it was and all of it on screen."""
    seen = methods_seen(tab)
    open_chat(tab, live_server.base)
    choose(tab, "I'm under 18")
    choose(tab, "Someone is threatening to share my nudes")
    choose(tab, "One step at a time")
    choose(tab, "Next: stop replying")
    before = tab.locator("#log .msg.bot").count()
    tab.get_by_role("button", name="Cymraeg").click()
    tab.wait_for_function("() => document.querySelector('#log').innerText.includes('Cam 2 o 9')")
    assert tab.locator("#log .msg.bot").count() == before  # the conversation so far, once
    tab.get_by_role("link", name="Help nawr").click()
    tab.wait_for_url("**/help**")
    assert "t=" not in tab.url  # with the script, no address carries the conversation
    screenshot(tab, f"help-welsh-{size}")
    tab.go_back()
    tab.wait_for_function("() => document.querySelector('#log').innerText.includes('Cam 2 o 9')")
    assert tab.locator("#log .msg.bot").count() == before
    tab.reload()
    tab.wait_for_function("() => document.querySelector('#log').innerText.includes('Cam 2 o 9')")
    assert tab.locator("#log .msg.bot").count() == before  # no rewinding, nothing twice
    assert all(s.startswith("GET ") for s in seen), seen
    assert all("t=" not in s for s in seen), seen
    screenshot(tab, f"chat-after-reload-welsh-{size}")


def test_no_form_resubmission_without_javascript(live_server: Any, browser: Any, size: str) -> None:
    ctx = context_for(browser, size, js=False)
    page = ctx.new_page()
    seen = methods_seen(page)
    page.goto(live_server.base + "/chat")
    page.get_by_role("button", name="I'm under 18").click()
    page.get_by_role("button", name="Someone is threatening to share my nudes").click()
    page.get_by_role("button", name="One step at a time").click()
    assert page.url.endswith("#now")  # the page opens at the new step, past the conversation so far
    assert page.locator("#now").count() == 1  # the anchor the address points at, before the new step
    page.get_by_role("button", name="Cymraeg").click()
    assert "Cam 1 o 9" in page.locator("#log").inner_text()
    page.get_by_role("link", name="Help nawr").click()
    assert "116 123" in page.inner_text("main")
    page.go_back()
    text = page.locator("#log").inner_text()
    assert "Cam 1 o 9" in text and page.locator("#log .msg.bot").count() >= 6  # all of it, in Welsh
    page.reload()
    assert page.locator("#log").inner_text() == text  # the same step, not three back
    screenshot(page, f"chat-no-js-welsh-{size}")
    # each POST was answered by a redirect: Back and reload only ever fetch pages
    posts = [s for s in seen if s.startswith("POST")]
    assert len(posts) == 4
    assert seen[-1].startswith("GET ") and seen[-2].startswith("GET ")
    ctx.close()


def test_start_again_asks_before_wiping(live_server: Any, tab: Any, size: str) -> None:
    open_chat(tab, live_server.base)
    choose(tab, "I'm a parent or carer")
    tab.get_by_role("button", name="Start again").click()
    box = tab.locator("#confirm-restart")
    assert box.is_visible() and tab.evaluate("document.activeElement.id") == "confirm-restart-yes"
    screenshot(tab, f"start-again-asks-{size}")
    tab.get_by_role("link", name="No, carry on").click()
    assert not box.is_visible() and "How can we help?" in last_bot_text(tab)
    tab.get_by_role("button", name="Start again").click()
    tab.get_by_role("button", name="Yes, start again").click()
    tab.wait_for_function("() => document.querySelectorAll('#log .msg').length === 3")
    assert "Who are you?" in last_bot_text(tab)
    assert "How can we help?" not in tab.locator("#log").inner_text()


def test_speaker_labels_and_each_message_announced_once(live_server: Any, tab: Any) -> None:
    open_chat(tab, live_server.base)
    # count every message node added to the log: each must arrive once
    tab.evaluate(
        "() => { window.added = 0; new MutationObserver(rs => rs.forEach(r => r.addedNodes.forEach("
        "n => n.classList && n.classList.contains('msg') && (window.added += 1))))"
        ".observe(document.querySelector('#log'), {childList: true}); }"
    )
    choose(tab, "I'm under 18")
    assert tab.evaluate("window.added") == 2  # the echo of the choice and one reply
    log = tab.locator("#log")
    assert log.get_attribute("aria-live") == "off"  # announced through focus, not twice
    focused = tab.evaluate("document.activeElement.className")
    assert "msg bot" in focused
    for msg in tab.locator("#log .msg").all():
        label = msg.locator(".speaker").inner_text()
        assert label == ("You:" if "you" in (msg.get_attribute("class") or "") else "Chat:")
    tab.reload()
    tab.wait_for_function("() => document.querySelectorAll('#log .msg').length === 5")
    assert "msg" not in tab.evaluate("document.activeElement.className || ''")  # redrawn quietly
    assert said(tab.locator("#log .msg.you").first) == "I'm under 18"  # your choice, still there


def test_first_screen_has_nowhere_to_carry_on(live_server: Any, tab: Any) -> None:
    open_chat(tab, live_server.base)
    choose(tab, "Help now")
    assert tab.get_by_role("button", name="Carry on where I was").count() == 0
    assert tab.get_by_role("button", name="Back", exact=True).is_visible()


def test_shift_is_mentioned_only_with_a_keyboard(live_server: Any, browser: Any) -> None:
    for size, js, shift in (("phone", True, False), ("desktop", True, True), ("desktop", False, False)):
        ctx = context_for(browser, size, js=js)
        page = ctx.new_page()
        page.goto(live_server.base + "/help")
        footer = page.locator("footer").inner_text()
        assert ("Shift" in footer) == shift, (size, js, footer)
        assert "Exit this page" in footer
        ctx.close()


# --- section 2: printouts and steps people can keep -------------------------------


def print_to_pdf(page: Any, pdf: Path, button: str) -> str:
    page.evaluate("() => { window.print = () => {}; }")  # the dialog itself is the browser's
    page.get_by_role("button", name=button).click()
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4")
    page.emulate_media(media="screen")
    if not shutil.which("pdftotext"):
        pytest.skip("reading the PDF needs poppler-utils (.ci/run installs it)")
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


def as_png(pdf: Path, name: str) -> Path:
    """The first page as a PNG in test-artifacts/, to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "70",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(ARTIFACTS / name),
        ],
        check=True,
    )
    return ARTIFACTS / f"{name}.png"


def test_save_my_steps_checklist(live_server: Any, tab: Any, size: str, tmp_path: Path) -> None:
    sent: list[str] = []
    tab.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(str(frame))))
    open_chat(tab, live_server.base)
    choose(tab, "I'm under 18")
    choose(tab, "Someone is threatening to share my nudes")
    choose(tab, "Show me everything")
    boxes = tab.locator("#log .kind-checklist input[type=checkbox]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    screenshot(tab, f"youth-checklist-{size}")
    text = print_to_pdf(tab, tmp_path / "steps.pdf", "Save my steps")
    if size == "phone":
        as_png(tmp_path / "steps.pdf", "youth-save-my-steps-checklist")
    assert "My steps" in text and BRITISH.search(text), text
    assert "☑" in text and "☐" in text  # ticks as they were
    assert "https://www.ceop.police.uk/Safety-Centre/" in re.sub(
        r"\s+", "", text
    )  # a link prints its address
    assert "0800 1111" in text
    assert not re.search(r"(?m)^\s*(You|Chat)\b", text) and "Who are you?" not in text  # not a transcript
    assert pdf_pages(tmp_path / "steps.pdf") <= 2
    assert not any("tick" in frame for frame in sent)  # ticks never leave the tab


def test_save_my_steps_one_at_a_time_in_welsh(live_server: Any, browser: Any, tmp_path: Path) -> None:
    ctx = context_for(browser, "phone")
    page = ctx.new_page()
    page.goto(live_server.base + "/chat?lang=cy")
    page.wait_for_function("() => sessionStorage.getItem('safechat.token')")
    # the first answer each time: under 18, threatened, one step at a time, the 9 steps, thanks
    for _ in range(12):
        count = page.locator("#log .msg.bot").count()
        page.locator("#options button").nth(0).click()
        page.wait_for_function("n => document.querySelectorAll('#log .msg.bot').length > n", arg=count)
    page.wait_for_selector("#print-button:not([hidden])")
    text = print_to_pdf(page, tmp_path / "steps-cy.pdf", "Cadw fy nghamau")
    as_png(tmp_path / "steps-cy.pdf", "youth-save-my-steps-welsh")
    assert "Fy nghamau" in text
    assert all(f"Cam {n} o 9" in text for n in range(1, 10)), text
    assert re.search(rf"\b\d{{1,2}} ({WELSH_MONTHS}) 20\d\d, \d\d:\d\d (GMT|BST|UTC)", text), text
    ctx.close()


def test_parents_summary_is_a_summary(live_server: Any, tab: Any, size: str, tmp_path: Path) -> None:
    open_chat(tab, live_server.base)
    choose(tab, "I'm a parent or carer")
    choose(tab, "How do I talk to my child about this? (TALK)")
    for label in (
        "Start with step 1: Talk",
        "Done — next step",
        "Done — next step",
        "Done — next step",
        "Done — next: how to report",
        "Where can I get help?",
        "Done — show me a summary",
    ):
        choose(tab, label)
    text = print_to_pdf(tab, tmp_path / "summary.pdf", "Print or save as PDF")
    if size == "desktop":
        as_png(tmp_path / "summary.pdf", "parents-summary")
    assert "Summary of what we covered" in text and BRITISH.search(text)
    assert "What we covered" in text and "What to do next" in text and "0808 800 5000" in text
    assert "Step 1 of 4" not in text and not re.search(r"(?m)^\s*(You|Chat)\b", text)  # not a transcript
    assert pdf_pages(tmp_path / "summary.pdf") == 1


def test_checklist_without_javascript_is_readable(live_server: Any, browser: Any, size: str) -> None:
    ctx = context_for(browser, size, js=False)
    page = ctx.new_page()
    page.goto(live_server.base + "/chat")
    for label in ("I'm under 18", "Someone is threatening to share my nudes", "Show me everything"):
        page.get_by_role("button", name=label).click()
    items = page.locator("#log .kind-checklist li")
    assert items.count() == 12
    width = page.locator("#log .kind-checklist").last.bounding_box()["width"]
    for i in range(items.count()):
        li = items.nth(i)
        assert li.evaluate("el => getComputedStyle(el).display") == "list-item"
        assert li.bounding_box()["width"] > width * 0.7  # one line of text, not narrow columns
    assert page.locator("#print-button").is_hidden()  # a button that needs the script is not shown
    assert "Print" in page.locator("#print-box").inner_text()  # the browser's own Print is explained
    screenshot(page, f"youth-checklist-no-js-{size}")
    ctx.close()


# --- section 4: the fingerprint page ----------------------------------------------


def test_fingerprint_page_layout(live_server: Any, browser: Any, size: str, tmp_path: Path) -> None:
    from PIL import Image

    picture = tmp_path / "holiday.png"
    Image.new("RGB", (64, 48), (200, 120, 40)).save(picture)
    ctx = context_for(browser, size, permissions=["clipboard-read", "clipboard-write"])
    page = ctx.new_page()
    page.goto(live_server.base + "/fingerprints")
    order = page.evaluate("() => [...document.querySelectorAll('#hasher, #submit, #next')].map(s => s.id)")
    assert order == ["hasher", "submit", "next"]  # results, then sending, then what next
    page.set_input_files("#files", [str(picture)])
    page.wait_for_selector("#result-list .result.finished", timeout=60_000)
    # no "No file chosen": the native control is out of sight, its label is the button
    assert page.locator("#files").bounding_box()["width"] <= 1
    assert page.get_by_text("Choose pictures or videos", exact=True).is_visible()
    assert "No file chosen" not in page.inner_text("main")
    page.get_by_label("Choose a PIN: 4 to 8 numbers").fill("480917")
    page.get_by_role("button", name="Send the fingerprints").click()
    ref = page.locator("#case-refs .case-ref")
    ref.wait_for()
    page.get_by_role("button", name=re.compile("Copy the case reference")).click()
    page.wait_for_function("() => document.querySelector('.copy-status').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == ref.inner_text()
    screenshot(page, f"fingerprints-sent-{size}")
    page.get_by_label("Case reference", exact=True).fill(ref.inner_text())
    page.get_by_label("Your PIN").fill("480917")
    page.get_by_role("button", name="Check my report").click()
    result = page.locator("#manage-result")
    result.wait_for()
    assert re.search(rf"Last changed: \d{{1,2}} ({MONTHS}) 20\d\d\.", result.inner_text()), (
        result.inner_text()
    )
    page.get_by_role("link", name="Back to the chat").click()
    page.wait_for_url("**/chat**")
    assert page.get_by_role("link", name="About this service").is_visible()
    ctx.close()


def test_about_page_in_a_browser(live_server: Any, tab: Any, size: str) -> None:
    tab.goto(live_server.base + "/chat")
    tab.get_by_role("link", name="About this service").click()
    tab.wait_for_url("**/about")
    assert tab.get_by_role("heading", name="Where the words come from").is_visible()
    screenshot(tab, f"about-{size}")


def test_new_parts_pass_axe(live_server: Any, tab: Any, size: str) -> None:
    """The conversation redrawn after a reload, numbered steps, the checklist
    and the Start again question: no WCAG A/AA violations."""
    from test_accessibility import animations_done, axe_violations

    open_chat(tab, live_server.base)
    choose(tab, "I'm under 18")
    choose(tab, "Someone is threatening to share my nudes")
    choose(tab, "One step at a time")
    tab.reload()
    tab.wait_for_function("() => document.querySelector('#log').innerText.includes('Step 1 of 9')")
    animations_done(tab)
    assert axe_violations(tab) == []
    tab.get_by_role("button", name="Start again").click()
    assert axe_violations(tab) == []


def test_help_page_language_switch_keeps_the_way_back(client: FlaskClient) -> None:
    html = form(client, {"token": token_of(client.get("/chat").get_data(as_text=True)), "choose": "parent"})
    token = token_of(html)
    welsh = client.get(f"/help?t={token}&lang=en").get_data(as_text=True)
    link = re.search(r'href="(\?lang=cy[^"]*)"', welsh)
    assert link and parse_qs(link.group(1).replace("&amp;", "&").lstrip("?"))["t"] == [token]
