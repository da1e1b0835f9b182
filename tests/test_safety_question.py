"""The middle answer: words that might mean danger, but not clearly, get a
direct question ("are you thinking about hurting yourself, or are you in
danger right now?") with Yes / No / I'm not sure, in every transport and in
Welsh. Yes and not sure lead to urgent help; No goes back to where they were.
These use the app's real detector: the phrases are ones its patterns mark
"ask" (a hopeless feeling with no words of dying)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import screenshot
from flask.testing import FlaskClient
from test_browser_chat import last_bot_text, open_chat, type_and_send
from test_transports import form_turn, hidden_token, socket_act

UNCLEAR_EN = "i cant cope with this"
UNCLEAR_CY = "dwi'n teimlo'n anobeithiol"
QUESTION_EN = "in danger right now?"
QUESTION_CY = "mewn perygl ar hyn o bryd?"
ADULTS_EN = "Is anyone in danger right now?"
ADULTS_CY = "Ydy unrhyw un mewn perygl ar hyn o bryd?"


def test_the_detector_asks_about_these_words(app: Any) -> None:
    safety = app.extensions["safechat"]["engine"].safety
    assert safety.check(UNCLEAR_EN) == "ask"
    assert safety.check(UNCLEAR_CY) == "ask"
    assert safety.check("i want to kill myself") == "crisis"
    assert safety.check("dwi isio marw") == "crisis"
    assert safety.check("someone is threatening to share my pics") is None


def _youth_step(api: Any, locale: str = "en") -> dict[str, Any]:
    _, turn = api({"start": "youth_sextortion", "locale": locale})
    return turn


@pytest.mark.parametrize("answer, crisis", [("safe_yes", True), ("safe_unsure", True), ("safe_no", False)])
def test_over_http(api: Any, answer: str, crisis: bool) -> None:
    here = _youth_step(api)
    status, asked = api({"token": here["token"], "say": UNCLEAR_EN})
    assert status == 200 and asked["safety_check"] and not asked["crisis"]
    assert QUESTION_EN in asked["messages"][-1]["text"]
    assert [o["label"] for o in asked["options"][:3]] == ["Yes, I am", "No, I'm not", "I'm not sure"]
    _, after = api({"token": asked["token"], "choose": answer})
    assert after["crisis"] is crisis and not after["safety_check"]
    if crisis:
        assert "999" in " ".join(m["text"] for m in after["messages"])
    else:
        assert (after["flow"], after["state"], after["messages"]) == (
            here["flow"],
            here["state"],
            here["messages"],
        )


def test_over_the_socket(api: Any, socket_client: Any) -> None:
    here = _youth_step(api)
    name, asked = socket_act(socket_client, {"token": here["token"], "say": UNCLEAR_EN})
    assert name == "turn" and asked["safety_check"]
    name, card = socket_act(socket_client, {"token": asked["token"], "choose": "safe_unsure"})
    assert name == "turn" and card["crisis"] and "0800 1111" in " ".join(m["text"] for m in card["messages"])


def test_with_plain_forms_in_welsh(api: Any, client: FlaskClient) -> None:
    here = _youth_step(api, "cy")
    status, html = form_turn(client, {"token": here["token"], "say": UNCLEAR_CY})
    assert status == 200 and QUESTION_CY in html
    for label in ("Ydw", "Nac ydw"):
        assert f">{label}<" in html
    status, html = form_turn(client, {"token": hidden_token(html), "choose": "safe_yes"})
    assert status == 200 and "999" in html and "0800 1111" in html


def test_in_chromium(live_server: Any, page: Any) -> None:
    open_chat(page, live_server.base)
    type_and_send(page, UNCLEAR_EN)
    assert QUESTION_EN in last_bot_text(page)
    screenshot(page, "chat-safety-question")
    count = page.locator("#log .msg.bot").count()
    page.get_by_role("button", name="I'm not sure", exact=True).click()
    page.wait_for_function("n => document.querySelectorAll('#log .msg.bot').length > n", arg=count)
    assert "0800 1111" in last_bot_text(page)
    # the first screen has nowhere to "carry on" to: Back returns there
    assert page.get_by_role("button", name="Back", exact=True).is_visible()


def test_in_chromium_without_javascript_in_welsh(live_server: Any, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.base + "/chat?lang=cy")
    before = page.locator("#log .msg.bot").last.inner_text()
    page.locator("textarea[name=say], input[name=say]").first.fill(UNCLEAR_CY)
    page.locator("form:has([name=say]) button[type=submit]").first.click()
    assert QUESTION_CY in page.locator("#log").inner_text()
    screenshot(page, "chat-safety-question-no-js-cy")
    page.get_by_role("button", name="Nac ydw", exact=True).click()
    # back at the step: its words are the newest, the question is gone from the options
    assert page.locator("#log .msg.bot").last.inner_text() == before
    assert page.get_by_role("button", name="Nac ydw", exact=True).count() == 0
    context.close()


@pytest.mark.parametrize(
    ("start", "locale", "question", "labels"),
    [
        ("parent_child_targeted", "en", ADULTS_EN, ["Yes, someone is", "No, no one is"]),
        ("school_staff_first_response", "en", ADULTS_EN, ["Yes, someone is", "No, no one is"]),
        ("parent_child_targeted", "cy", ADULTS_CY, ["Ydy, mae rhywun", "Nac ydy, neb"]),
    ],
)
def test_parents_and_staff_are_asked_whether_anyone_is_in_danger(
    api: Any, client: FlaskClient, start: str, locale: str, question: str, labels: list[str]
) -> None:
    """A parent or teacher writing about a child is not asked whether they
    will hurt themselves: whether anyone is in danger, the child included.
    The answers mean the same (yes and not sure: urgent help), over the API
    and on a plain form."""
    _, here = api({"start": start, "locale": locale})
    words = UNCLEAR_CY if locale == "cy" else UNCLEAR_EN
    _, asked = api({"token": here["token"], "say": words})
    assert asked["safety_check"] and question in asked["messages"][-1]["text"]
    assert [o["label"] for o in asked["options"][:2]] == labels
    assert [o["id"] for o in asked["options"][:3]] == ["safe_yes", "safe_no", "safe_unsure"]
    _, after = api({"token": asked["token"], "choose": "safe_unsure"})
    assert after["crisis"]
    status, html = form_turn(client, {"token": here["token"], "say": words})
    assert status == 200 and question in html and labels[0] in html


# Short words that ask (a pattern of the `ask` level, in fewer than
# SHORT_MESSAGE words, stands whatever the model makes of it).
PARENT_WORDS = {
    "en": "my daughter says she can't cope",
    "cy": "mae fy merch yn deud bod hi'n methu ymdopi",
}


@pytest.mark.parametrize(("locale", "question"), [("en", ADULTS_EN), ("cy", ADULTS_CY)])
def test_a_parent_typing_on_the_first_screen_gets_the_adults_question(
    app: Any, api: Any, client: FlaskClient, locale: str, question: str
) -> None:
    """Before choosing who they are, a parent's worried words ("my son…",
    "fy mab…") get the adults' question, over the API and on a plain form;
    so does anyone on the parents' menu."""
    words = PARENT_WORDS[locale]
    assert app.extensions["safechat"]["engine"].safety.check(words) == "ask"  # else choose other words
    _, first = api({"locale": locale})
    _, asked = api({"token": first["token"], "say": words})
    assert asked["safety_check"] and question in asked["messages"][-1]["text"]
    status, html = form_turn(client, {"token": first["token"], "say": words})
    assert status == 200 and question in html
    _, menu = api({"token": first["token"], "choose": "parent"})
    _, asked = api({"token": menu["token"], "say": UNCLEAR_CY if locale == "cy" else UNCLEAR_EN})
    assert question in asked["messages"][-1]["text"]
