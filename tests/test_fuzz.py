"""Property-based bad input over the JSON API and the Socket.IO events:
random types, huge and deeply nested bodies, invalid UTF-8, wrong content
types. Never a 5xx; always a Problem with a code and a message; the
conversation and the connection keep working."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from app import socketio

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
# Actions that look nearly right: the protocol's keys with any values.
near_actions = st.dictionaries(
    st.sampled_from(["token", "choose", "say", "start", "locale", "other"]), json_values, max_size=5
)
FUZZ = settings(max_examples=150, deadline=None)


def assert_problem(body: Any) -> None:
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["message"]


@FUZZ
@given(action=st.one_of(json_values, near_actions))
def test_api_any_json(app: Flask, action: Any) -> None:
    client = app.test_client()
    res = client.post("/api/v1/turn", data=json.dumps(action), content_type="application/json")
    assert res.status_code in (200, 400), res.status_code
    if res.status_code == 400:
        assert_problem(res.get_json())


@FUZZ
@given(
    body=st.binary(max_size=2000),
    ctype=st.sampled_from(
        [
            "application/json",
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/octet-stream",
            "multipart/form-data; boundary=x",
            "",
            "application/json; charset=latin-1",
        ]
    ),
)
def test_api_any_bytes(app: Flask, body: bytes, ctype: str) -> None:
    client = app.test_client()
    res = client.post("/api/v1/turn", data=body, content_type=ctype)
    assert res.status_code < 500
    if res.status_code != 200:
        assert_problem(res.get_json())


@FUZZ
@given(depth=st.integers(min_value=2, max_value=20000))
def test_api_deep_nesting(app: Flask, depth: int) -> None:
    client = app.test_client()
    body = ('{"say":' * depth + '"x"' + "}" * depth).encode()
    res = client.post("/api/v1/turn", data=body[:60000], content_type="application/json")
    assert res.status_code in (400, 413)


@FUZZ
@given(
    form=st.dictionaries(
        st.sampled_from(["token", "choose", "say", "start", "locale", "x"]),
        st.text(max_size=1200),
        max_size=5,
    )
)
def test_no_js_form_any_fields(app: Flask, form: dict[str, str]) -> None:
    client = app.test_client()
    res = client.post("/chat", data=form)
    assert res.status_code == 303  # post/redirect/get: never a page that resubmits a form
    # typed text never goes into an address: only the token, a problem's code, a question
    assert set(parse_qs(urlsplit(res.headers["Location"]).query)) <= {"t", "problem", "ask"}
    res = client.get(res.headers["Location"])
    assert res.status_code == 200
    assert b'name="token"' in res.data  # the person always gets a usable page


@FUZZ
@given(events=st.lists(st.one_of(json_values, near_actions), min_size=1, max_size=5))
def test_socket_any_events_then_still_works(app: Flask, events: list[Any]) -> None:
    sc = socketio.test_client(app, namespace="/chat")
    for data in events:
        sc.emit("act", data, namespace="/chat")
        received = sc.get_received("/chat")
        assert len(received) == 1 and received[0]["name"] in ("turn", "problem")
        if received[0]["name"] == "problem":
            assert_problem(received[0]["args"][0])
    sc.emit("act", {}, namespace="/chat")  # the connection still answers
    assert sc.get_received("/chat")[0]["name"] == "turn"
    sc.disconnect(namespace="/chat")


def test_socket_other_event_names_are_ignored(app: Flask) -> None:
    sc = socketio.test_client(app, namespace="/chat")
    sc.emit("nonsense", {"a": 1}, namespace="/chat")
    sc.emit("act", {}, namespace="/chat")
    assert [r["name"] for r in sc.get_received("/chat")] == ["turn"]


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def flip(ch: str) -> str:
    """Another character whose top bit differs: the low bits of a token's last
    base64 character may be padding, which a decoder ignores."""
    return B64[B64.index(ch) ^ 32] if ch in B64 else "A"


def test_tokens_from_fuzzing_never_pass(app: Flask) -> None:
    client = app.test_client()
    real = client.post("/api/v1/turn", json={}).get_json()["token"]
    for i in range(len(real)):
        flipped = real[:i] + flip(real[i]) + real[i + 1 :]
        res = client.post("/api/v1/turn", json={"token": flipped, "choose": "parent"})
        body = json.loads(res.data)
        assert res.status_code == 400 and body["error"]["code"] == "bad_token", i
