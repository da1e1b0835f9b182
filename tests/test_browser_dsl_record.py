"""The DSL's record in Chromium (issue 17 §1): built in the browser with
labelled fields, times, corrections and typed answers, never sent to the
server; printed to PDF on one page of answers with the advice as an
appendix; and without JavaScript, the answers, decision and reason still print.
The PDFs are kept as PNGs in test-artifacts/ to look at."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTIFACTS

WHY = "A friend shared it in a Y10 group chat as a joke"
AGES = "Both 15, no age gap"
COMPLETED_BY = "A. Teacher, DSL"
PUPIL = "Y10-2026-031"
ACTIONS = "Head of Year: deletion confirmed by 2 Dec"
# After the nation (and, in Wales, its route): the five criteria with a
# correction (coercion Yes, Back, No), then the fact-finding to the school-led response.
ANSWERS = [
    "no",
    "yes",
    "back",
    "no",
    "no",
    "no",
    "no",
    "noted",
    "noted",
    "yes",
    "no",
    "yes",
    "noted",
    "no",
    "noted",
    "no",
    "no",
    "no",
    "no",
    "no",
    "noted",
    "not_yet",
]
NOTES = {0: WHY, 2: AGES}  # typed at the 1st and 3rd "note the answer" questions (why shared, ages)
ZONE = r"(GMT|BST)"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app with rate limits off: a review is 25 quick taps."""
    from live import Server

    srv = Server(
        str(tmp_path_factory.mktemp("record")),
        extra_env={"SAFECHAT_RATE_PER_CONNECTION": "0", "SAFECHAT_RATE_PER_CLIENT": "0"},
    )
    srv.start()
    yield srv
    srv.stop()


def pdf_text(pdf: Path, name: str, page: int | None = None) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(
        ["pdftotext", *pages, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    )
    if shutil.which("pdftoppm") and page is None:
        subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(ARTIFACTS / name)], check=True)
    return re.sub(r"\s+", " ", out.stdout)


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


def opening(nation: str) -> list[str]:
    return ["school_staff", "school_dsl_incident", nation, *(["next"] if nation == "wales" else [])]


@pytest.mark.parametrize(("nation", "locale"), [("england", "en"), ("wales", "cy")])
def test_record_built_in_the_browser(  # noqa: PLR0915 (one review, start to printout)
    browser: Any, server: Any, nation: str, locale: str
) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, timezone_id="Europe/London")
    page = ctx.new_page()
    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.url} {r.post_data or ''}"))
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(str(payload))))
    page.goto(server.base + ("/?lang=cy" if locale == "cy" else "/"))
    page.wait_for_selector("#options button")

    def tap(value: str) -> None:
        bots = page.locator("#log .msg.bot").count()
        page.locator(f'#choices button[value="{value}"]').first.click()
        page.wait_for_function(
            "n => document.querySelectorAll('#log .msg.bot').length > n"
            " && !document.querySelector('#options:empty')",
            arg=bots,
        )

    for value in opening(nation):
        tap(value)
    noted = 0
    for value in ANSWERS:
        if value == "noted":
            box = page.locator(".record-note textarea")
            assert box.count() == 1  # an answer box at every "note the answer" question
            if noted in NOTES:
                box.fill(NOTES[noted])
            noted += 1
        else:
            assert page.locator(".record-note").count() == 0
        tap(value)
    page.wait_for_selector("#record-fields:not([hidden])")
    page.fill("#rf-incident_date", "2026-11-27")
    page.fill("#rf-completed_by", COMPLETED_BY)
    page.fill("#rf-pupil", PUPIL)
    page.fill("#rf-actions", ACTIONS)
    page.fill("#rf-review_date", "7/12/2026")
    page.evaluate("window.__printed = 0; window.print = () => { window.__printed += 1; }; 0")
    page.click("#print-button")
    assert page.evaluate("window.__printed") == 1

    text = page.locator("#dsl-record").inner_text()
    month = "Tachwedd" if locale == "cy" else "November"
    assert f"27 {month} 2026" in text and "7/12/2026" in text and COMPLETED_BY in text and PUPIL in text
    assert re.search(rf"\d{{1,2}} {month} 20\d\d, \d\d:\d\d {ZONE}", text), text[:300]
    changed = "newidiwyd o Ie i Na am" if locale == "cy" else "changed from Yes to No at"
    assert re.search(rf"\({changed} \d\d:\d\d\)", text), text
    assert WHY in text and AGES in text
    # Nothing typed for the record went anywhere.
    for typed in (WHY, AGES, COMPLETED_BY, PUPIL, ACTIONS):
        assert not [s for s in sent if typed in s or typed.replace(" ", "+") in s], typed

    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / f"dsl-record-{locale}.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    words = pdf_text(pdf, f"dsl-record-{locale}")
    first = pdf_text(pdf, "", page=1)
    if locale == "en":
        # (a long label wraps beside its value, so labels and values are checked apart)
        for phrase in (
            "Record of the initial review",
            "Date of incident 27 November 2026",
            "Completed by",
            COMPLETED_BY,
            PUPIL,
            "Decision No referral for now",
            "Reason None of the five reasons",
            "Actions (who, by when) " + ACTIONS,
            "Review date 7/12/2026",
            WHY,
            AGES,
            "Have the young people who had the image confirmed that it is deleted? Not yet",
        ):
            assert phrase in first, phrase  # the answers, all on the first page
        assert (
            "Appendix: the advice the chat gave" not in first
            and "Appendix: the advice the chat gave" in words
        )
    else:
        assert "Cofnod o'r adolygiad cychwynnol" in first and "Penderfyniad" in first and "Cymru" in first
        assert "Ddim eto" in first and "Atodiad" not in first
    assert pages(pdf) == 2
    for screen_only in ("Exit this page", "Print or save as PDF", "Help now", "Noted"):
        assert screen_only not in words, screen_only
    ctx.close()


@pytest.mark.parametrize(("nation", "locale"), [("england", "en"), ("wales", "cy")])
def test_record_without_javascript(browser: Any, server: Any, nation: str, locale: str) -> None:
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    page.goto(server.base + ("/?lang=cy" if locale == "cy" else "/"))
    for value in [*opening(nation), "no", "yes"]:
        page.locator(f'#choices button[value="{value}"]').first.click()
        page.wait_for_load_state()
    pdf = ARTIFACTS / f"dsl-record-nojs-{locale}.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    page.pdf(path=str(pdf), format="A4", print_background=True)
    words = pdf_text(pdf, f"dsl-record-nojs-{locale}")
    if locale == "en":
        for phrase in (
            "Record of the initial review",
            "Date of incident",
            "Nation England",
            "Decision Refer to the police and/or children's social care.",
            "Reason 2. Is there reason to believe a young person was coerced, blackmailed or groomed?",
            "groomed? Answer: Yes",
            "1. Does the incident involve an adult? No",
            "Review date",
            "Appendix",
            "MASH",
        ):
            assert phrase in words, phrase
    else:
        for phrase in (
            "Cofnod o'r adolygiad cychwynnol",
            "Gwlad Cymru",
            "Penderfyniad Atgyfeirio at yr heddlu",
            "Rheswm 2. Oes rheswm i gredu",
            "Ateb: Ie",
            "Tachwedd",
        ):
            assert phrase in words, phrase
    assert "Exit this page" not in words and "Choose an answer" not in words
    ctx.close()
