"""Typed words are checked for danger before anything else about a request:
an expired, tampered or stale token, an unknown language, a malformed action,
too long a message or a rate limit must never stand between "I want to kill
myself" and the crisis card. Every transport: the JSON API, Socket.IO and
plain forms. (Before the fix an expired or stale token answered "start
again" instead.)"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import engine_of, limited_app
from flask import Flask
from flask.testing import FlaskClient
from test_abuse import CRISIS, stale_tokens
from test_transports import socket_act

from app import socketio as server_socketio
from app.engine.actions import MAX_SAY
from app.engine.tokens import Conversation, _CachedKeySigner

CRISIS_CY = "dwi isio marw"
UNCLEAR_CY = "dwi'n teimlo'n anobeithiol"  # asked about: the safety question, never "start again"
HEARD = "Thank you for telling me"  # the card's first words when the person's own words brought it
Action = dict[str, Any]


def expired(app: Flask, locale: str = "en") -> str:
    """A token we signed two days ago (tokens last a day)."""
    engine = engine_of(app)
    two_days_ago = int(time.time()) - 2 * engine.tokens.max_age
    with mock.patch.object(_CachedKeySigner, "get_timestamp", lambda _self: two_days_ago):
        return engine.tokens.dump(Conversation("youth_sextortion", "start", locale, steps=3))


def current(app: Flask, locale: str = "en") -> str:
    return engine_of(app).step(None, {"start": "youth_sextortion", "locale": locale}).token


# Each: what is wrong with the request besides the words (token from the app).
CASES: dict[str, Callable[[Flask], Action]] = {
    "expired token": lambda app: {"token": expired(app)},
    "tampered token": lambda app: {"token": current(app)[:-3] + "AAA"},
    "not a token": lambda _app: {"token": "nonsense"},
    "stale token (a flow renamed)": lambda app: {"token": stale_tokens(app)["history"]},
    "stale token (a state gone)": lambda app: {"token": stale_tokens(app)["history state"]},
    "stale token (a language gone)": lambda app: {"token": stale_tokens(app)["locale"]},
    "unknown language": lambda app: {"token": current(app), "locale": "xx"},
    "a button pressed too": lambda app: {"token": current(app), "choose": "start_again"},
    "a start too": lambda app: {"start": "no_such_flow"},
    "too long": lambda app: {"token": current(app), "say": CRISIS + " " + "x" * MAX_SAY},
}
# Only a hand-made JSON action can carry these.
JSON_ONLY: dict[str, Callable[[Flask], Action]] = {
    "an unknown key": lambda app: {"token": current(app), "colour": "blue"},
    "a token that is not text": lambda _app: {"token": 42},
}


def action_for(app: Flask, case: str) -> Action:
    return {"say": CRISIS, **{**CASES, **JSON_ONLY}[case](app)}


def assert_card(turn: dict[str, Any], locale: str = "en") -> None:
    assert turn["crisis"] and turn["locale"] == locale, turn
    assert "0800 1111" in " ".join(m["text"] for m in turn["messages"])


@pytest.mark.parametrize("case", [*CASES, *JSON_ONLY])
def test_over_http(app: Flask, client: FlaskClient, case: str) -> None:
    res = client.post("/api/v1/turn", json=action_for(app, case))
    assert res.status_code == 200, res.get_json()
    assert_card(res.get_json())


@pytest.mark.parametrize("case", [*CASES, *JSON_ONLY])
def test_over_the_socket(app: Flask, socket_client: Any, case: str) -> None:
    name, turn = socket_act(socket_client, action_for(app, case))
    assert name == "turn", turn
    assert_card(turn)


def form_page(client: FlaskClient, action: Action) -> tuple[str, str]:
    """Posts a form; returns the page it redirects to and the token in its address."""
    res = client.post("/chat", data={k: str(v) for k, v in action.items()})
    assert res.status_code == 303
    token = parse_qs(urlparse(res.headers["Location"]).query).get("t", [""])[0]
    page = client.get(res.headers["Location"])
    assert page.status_code == 200
    return page.get_data(as_text=True), token


@pytest.mark.parametrize("case", CASES)
def test_with_plain_forms(app: Flask, client: FlaskClient, case: str) -> None:
    html, token = form_page(client, action_for(app, case))
    assert HEARD in html and "0800 1111" in html
    assert_card(engine_of(app).act({"token": token})[0])


def test_an_expired_welsh_conversation_gets_the_card_in_welsh(app: Flask, client: FlaskClient) -> None:
    """The say form sends only the token and the words: the language comes
    from the token, which is too old to go on with but still says it."""
    engine = engine_of(app)
    heard_cy = engine.render(engine.messages["common.heard"], "cy")["text"]
    assert heard_cy != engine.render(engine.messages["common.heard"], "en")["text"]
    res = client.post("/api/v1/turn", json={"token": expired(app, "cy"), "say": CRISIS_CY})
    assert res.status_code == 200
    assert_card(res.get_json(), "cy")
    html, _ = form_page(client, {"token": expired(app, "cy"), "say": CRISIS_CY})
    assert heard_cy.split(".")[0] in html and '<html lang="cy"' in html
    # Words the detector is unsure of get the safety question, in Welsh, not "start again".
    res = client.post("/api/v1/turn", json={"token": expired(app, "cy"), "say": UNCLEAR_CY})
    assert res.status_code == 200 and res.get_json()["safety_check"] and res.get_json()["locale"] == "cy"


def test_the_card_goes_over_a_fresh_conversation_not_the_expired_one(app: Flask, api: Any) -> None:
    """An expired conversation is not picked up again by typing: the card
    sits over the start, and Back goes there."""
    status, card = api({"token": expired(app), "say": CRISIS})
    assert status == 200 and (card["flow"], card["state"]) == ("welcome", "audience")
    status, start = api({"token": card["token"], "choose": "back"})
    assert status == 200 and not start["crisis"]
    assert (start["flow"], start["state"]) == ("welcome", "audience")


def test_ordinary_words_with_a_bad_token_still_get_the_problem(app: Flask, api: Any) -> None:
    status, body = api({"token": expired(app), "say": "he wants more pics"})
    assert status == 400 and body["error"]["code"] == "expired_token"
    status, body = api({"token": current(app), "say": "he wants more pics", "choose": "back"})
    assert status == 400 and body["error"]["code"] == "bad_request"


def test_an_expired_token_over_the_rate_limit(tmp_path: Path) -> None:
    app = limited_app(tmp_path)
    client = app.test_client()
    client.post("/api/v1/turn", json={})  # the address's whole allowance
    res = client.post("/api/v1/turn", json={"token": expired(app), "say": CRISIS})
    assert res.status_code == 200
    assert_card(res.get_json())
    html, _ = form_page(client, {"token": expired(app), "say": CRISIS, "choose": "back"})
    assert HEARD in html
    sc = server_socketio.test_client(app, namespace="/chat")
    name, turn = socket_act(sc, {"token": expired(app, "cy"), "say": CRISIS_CY, "locale": "xx"})
    assert name == "turn"
    assert_card(turn, "cy")
    sc.disconnect("/chat")


def test_reloading_an_expired_welsh_page_starts_again_in_welsh(app: Flask, client: FlaskClient) -> None:
    """The page explains the old token in its language and starts the fresh
    conversation in the same one, not in the browser's (one page, one language)."""
    engine = engine_of(app)
    expired_cy = engine.render(engine.messages["common.problems.expired_token"], "cy")["text"]
    res = client.get("/chat", query_string={"t": expired(app, "cy")}, headers={"Accept-Language": "en"})
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and '<html lang="cy"' in html
    assert expired_cy.split(".")[0] in html
