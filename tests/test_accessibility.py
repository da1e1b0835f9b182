"""axe-core in Chromium on every page and every kind of chat state:
0 violations of WCAG 2.0/2.1/2.2 A and AA. Plus small-screen, zoom and
reduced-motion checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, screenshot
from test_browser_chat import type_and_send

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page: Any) -> list[dict[str, Any]]:
    # Runtime evaluation from the test harness is not page script, so the
    # page's CSP (no eval, no inline script) stays as it is.
    page.evaluate(Path(AXE).read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        TAGS,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def animations_done(page: Any) -> None:
    """Contrast is checked on settled colours, after the entrance animation."""
    page.wait_for_function("() => document.getAnimations().every(a => a.playState === 'finished')")


def settle(page: Any) -> None:
    page.wait_for_function("() => sessionStorage.getItem('safechat.token')")
    animations_done(page)


def click_option(page: Any, label: str) -> None:
    count = page.locator("#log .msg.bot").count()
    page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_function("n => document.querySelectorAll('#log .msg.bot').length > n", arg=count)
    animations_done(page)


def check(page: Any, name: str) -> None:
    screenshot(page, f"a11y-{name}")
    assert axe_violations(page) == [], name


STATIC_PAGES = [
    "/help",
    "/about",
    "/no-such-page",
    "/fingerprints",
    "/report-remove",
    "/parents/agreement",
    "/chat?lang=cy",
]


@pytest.mark.parametrize("path", STATIC_PAGES)
def test_static_pages(live_server: Any, page: Any, path: str) -> None:
    page.goto(live_server.base + path)
    check(page, path.strip("/").replace("/", "-") or "root")


def test_chat_state_types(live_server: Any, page: Any) -> None:
    page.goto(live_server.base + "/")
    settle(page)
    check(page, "welcome")
    click_option(page, "I'm a parent or carer")
    check(page, "menu")
    click_option(page, "Help now")
    check(page, "crisis-overlay")
    click_option(page, "Carry on where I was")
    type_and_send(page, "hmm")
    animations_done(page)
    check(page, "not-sure-overlay")
    # a problem shown in place
    page.evaluate(
        "() => { const p = document.getElementById('problem'); p.hidden = false; p.textContent = 'x'; }"
    )
    check(page, "problem")


def test_no_js_chat(live_server: Any, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(live_server.base + "/chat")
    # axe needs script: evaluate it through the harness in a JS-enabled copy of the same HTML
    html = pg.content()
    context.close()
    ctx2 = browser.new_context()
    p2 = ctx2.new_page()
    p2.route(live_server.base + "/nojs-copy", lambda r: r.fulfill(body=html, content_type="text/html"))
    p2.route("**/build/*.js", lambda r: r.fulfill(body="", content_type="text/javascript"))
    p2.goto(live_server.base + "/nojs-copy")
    assert axe_violations(p2) == []
    ctx2.close()


def test_narrow_screen_and_zoom(live_server: Any, browser: Any) -> None:
    # 320 CSS px wide, and 200% zoom of a 640 px window (the same layout width):
    # nothing may need sideways scrolling.
    for width, scale in ((320, 1), (640, 2)):
        context = browser.new_context(viewport={"width": width, "height": 700}, device_scale_factor=scale)
        pg = context.new_page()
        pg.goto(live_server.base + "/")
        settle(pg)
        if scale == 2:
            pg.evaluate("() => { document.documentElement.style.zoom = '2'; }")
        overflow = pg.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (width, scale, overflow)
        screenshot(pg, f"width-{width}-scale-{scale}")
        context.close()


def test_reduced_motion_turns_off_animation(live_server: Any, browser: Any) -> None:
    context = browser.new_context(reduced_motion="reduce")
    pg = context.new_page()
    pg.goto(live_server.base + "/")
    settle(pg)
    pg.get_by_role("button", name="I'm under 18", exact=True).click()
    pg.wait_for_selector("#log .msg.new")
    names = pg.evaluate(
        "() => [...document.querySelectorAll('#log .msg.new')].map(e => getComputedStyle(e).animationName)"
    )
    assert names and set(names) == {"none"}
    context.close()


def test_focus_is_visible(live_server: Any, page: Any) -> None:
    page.goto(live_server.base + "/")
    settle(page)
    page.keyboard.press("Tab")  # skip link first
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    for _ in range(3):
        page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_axe_is_really_running(live_server: Any, page: Any) -> None:
    """Guards the checks above: a planted fault must be reported."""
    page.goto(live_server.base + "/help")
    page.evaluate("() => { const b = document.createElement('button'); document.body.append(b); }")
    assert [v["id"] for v in axe_violations(page)] == ["button-name"]


def open_at(page: Any, base: str, flow: str, choices: list[str]) -> None:
    """Open the chat page at a given step: drive the JSON API to it, then let
    the page pick the conversation up from sessionStorage (as a reload would)."""
    import json
    import urllib.request

    def post(action: dict[str, Any]) -> dict[str, Any]:
        req = urllib.request.Request(
            base + "/api/v1/turn",
            data=json.dumps(action).encode(),
            headers={"Content-Type": "application/json"},
        )
        return json.loads(urllib.request.urlopen(req, timeout=10).read())

    turn = post({"start": flow})
    for choice in choices:
        turn = post({"token": turn["token"], "choose": choice})
    page.goto(base + "/help")
    page.evaluate("t => sessionStorage.setItem('safechat.token', t)", turn["token"])
    page.goto(base + "/")


@pytest.mark.parametrize(
    ("name", "flow", "choices", "expect"),
    [
        ("handoff", "youth_image_shared", ["straight"], ".handoff a"),
        ("checklist", "school_staff_first_response", ["england", "next"], ".kind-checklist input"),
        ("print-record", "school_dsl_incident", ["england", "yes"], "#print-box:not([hidden])"),
    ],
)
def test_more_state_types(
    live_server: Any, page: Any, name: str, flow: str, choices: list[str], expect: str
) -> None:
    open_at(page, live_server.base, flow, choices)
    page.wait_for_selector(expect)
    check(page, name)
