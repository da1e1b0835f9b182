"""The three transports give the same Turn for the same action, and every bad
input gets a kind Problem with the conversation left where it was."""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

import pytest
from flask.testing import FlaskClient

from app.engine.tokens import Tokens

TURN_KEYS = {
    "token",
    "flow",
    "state",
    "locale",
    "messages",
    "options",
    "accepts_text",
    "crisis",
    "end",
    "handoff",
    "print",
    "safety_check",
    "step",
    "feedback",
}


def without_token(turn: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in turn.items() if k != "token"}


def socket_act(sc: Any, action: Any) -> tuple[str, dict[str, Any]]:
    sc.emit("act", action, namespace="/chat")
    received = sc.get_received("/chat")
    assert len(received) == 1, received
    return received[0]["name"], received[0]["args"][0]


def form_turn(client: FlaskClient, data: dict[str, str]) -> tuple[int, str]:
    """A form answer is a redirect (post/redirect/get); this follows it."""
    res = client.post("/chat", data=data)
    assert res.status_code == 303, res.status_code
    res = client.get(res.headers["Location"])
    return res.status_code, res.get_data(as_text=True)


def hidden_token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_json_api_start_and_choose(api: Any) -> None:
    status, turn = api({})
    assert status == 200 and set(turn) == TURN_KEYS
    assert (turn["flow"], turn["state"]) == ("welcome", "audience")
    status, nxt = api({"token": turn["token"], "choose": "young_person"})
    assert status == 200 and nxt["state"] == "youth_menu"


def test_same_action_same_turn_on_all_three(api: Any, socket_client: Any, client: FlaskClient) -> None:
    _, start = api({})
    action = {"token": start["token"], "choose": "parent"}
    _, via_http = api(action)
    name, via_socket = socket_act(socket_client, action)
    assert name == "turn"
    assert without_token(via_http) == without_token(via_socket)
    status, html = form_turn(client, {"token": start["token"], "choose": "parent"})
    assert status == 200
    for message in via_http["messages"]:
        assert message["html"].strip() in html
    for option in via_http["options"]:
        assert f'value="{option["id"]}"' in html and option["label"] in html.replace("&#39;", "'")


def test_socket_problem_keeps_connection(socket_client: Any, api: Any) -> None:
    _, start = api({})
    name, body = socket_act(socket_client, {"token": start["token"], "choose": "nope"})
    assert name == "problem" and body["error"]["code"] == "unknown_option"
    name, body = socket_act(socket_client, {"token": start["token"], "choose": "parent"})
    assert name == "turn" and body["state"] == "parent_menu"


@pytest.mark.parametrize(
    "payload",
    [
        None,
        5,
        "act",
        [],
        [1, 2],
        {"choose": {"x": 1}},
        {"token": 7},
        {"say": None, "choose": None, "extra": 1},
        {"say": ["a"]},
        {"locale": "zz"},
        {"start": 3},
    ],
)
def test_socket_malformed_events_get_problems(socket_client: Any, payload: Any) -> None:
    name, body = socket_act(socket_client, payload)
    assert name == "problem" and body["error"]["code"] and body["error"]["message"]


def test_socket_event_without_data(socket_client: Any) -> None:
    socket_client.emit("act", namespace="/chat")
    received = socket_client.get_received("/chat")
    assert received and received[0]["name"] == "problem"


def test_socket_handler_failure_is_a_kind_problem_and_logs_no_words(
    app: Any, socket_client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in a turn must not leave the person waiting: they get a Problem,
    the log says what failed and where but never what they typed, and the
    next action works."""
    engine = app.extensions["safechat"]["engine"]

    def broken(raw: Any) -> Any:
        raise ValueError(f"could not handle {raw!r}")

    monkeypatch.setattr(engine, "act", broken)
    kind, problem = socket_act(socket_client, {"say": "my secret words"})
    assert kind == "problem" and problem["error"]["code"] == "bad_request"
    assert "ValueError" in caplog.text and "test_transports.py" in caplog.text
    assert "secret words" not in caplog.text
    monkeypatch.undo()
    assert socket_act(socket_client, {})[0] == "turn"


def test_no_js_page_renders_forms(client: FlaskClient) -> None:
    res = client.get("/chat")
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert '<form id="choices"' in html and 'name="choose" value="young_person"' in html
    assert '<label for="say">' in html and 'role="log"' in html and 'aria-live="polite"' in html
    assert 'class="quick-exit"' in html
    status, html2 = form_turn(client, {"token": hidden_token(html), "choose": "young_person"})
    assert status == 200 and 'value="youth_other"' in html2


def test_no_js_problem_stays_in_place(client: FlaskClient) -> None:
    html = client.get("/chat").get_data(as_text=True)
    token = hidden_token(html)
    status, page = form_turn(client, {"token": token, "choose": "parent"})
    here = hidden_token(page)
    status, page = form_turn(client, {"token": here, "choose": "not_an_option"})
    assert status == 200
    assert "isn&#39;t available here" in page or "isn't available here" in page
    assert 'value="parent_other"' in page  # still on the parent menu
    status, page = form_turn(client, {"token": here, "say": "x" * 1001})
    assert status == 200 and "1,000 characters" in page and 'value="parent_other"' in page


def test_no_js_bad_token_starts_afresh(client: FlaskClient) -> None:
    status, page = form_turn(client, {"token": "tampered", "choose": "parent"})
    assert status == 200 and 'value="young_person"' in page
    assert "pick up where you left off" in page  # and says why
    status, page = form_turn(client, {"token": "tampered", "choose": "start_again"})
    assert status == 200 and 'value="young_person"' in page


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ({"choose": "nope"}, "unknown_option"),
        ({"say": "a" * 1001}, "text_too_long"),
        ({"say": ""}, "empty_text"),
        ({"choose": ["x"]}, "bad_request"),
        ({"locale": "klingon"}, "unknown_locale"),
        ({"start": "nope"}, "unknown_flow"),
        ({"unexpected": True}, "bad_request"),
    ],
)
def test_api_bad_input_is_400_with_problem(api: Any, action: dict[str, Any], code: str) -> None:
    _, turn = api({})
    status, body = api({"token": turn["token"], **action})
    assert status == 400
    assert body["error"]["code"] == code and body["error"]["message"]
    # ...and the conversation is still usable where it was.
    status, nxt = api({"token": turn["token"], "choose": "parent"})
    assert status == 200 and nxt["state"] == "parent_menu"


def test_api_tampered_token(api: Any) -> None:
    status, body = api({"token": "abc.def.ghi", "choose": "parent"})
    assert status == 400 and body["error"]["code"] == "bad_token"
    assert body["error"]["options"] == [{"id": "start_again", "label": "Start again", "global": True}]


@pytest.mark.parametrize(
    ("data", "ctype", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"\xff\xfe\x00bad utf8", "application/json", 400),
        (b"choose=x", "application/x-www-form-urlencoded", 415),
        (b"raw", "application/octet-stream", 415),
        (b"--b\r\n\r\n--b--", "multipart/form-data; boundary=b", 415),
        (b"x", "image/jpeg", 415),
        (b"[" * 5000 + b"]" * 5000, "application/json", 400),
        # The report API's rules too (one parser): a repeated key, NaN.
        (b'{"choose": "parent", "choose": "young_person"}', "application/json", 400),
        (b'{"start": NaN}', "application/json", 400),
        (b'{"start": 1e999}', "application/json", 400),
        ('{"start": true}'.encode("utf-16"), "application/json", 400),  # json.loads would guess UTF-16
        (b'\xef\xbb\xbf{"start": true}', "application/json", 400),  # a byte-order mark
    ],
)
def test_api_wrong_bodies(client: FlaskClient, data: bytes, ctype: str, status: int) -> None:
    res = client.post("/api/v1/turn", data=data, content_type=ctype)
    assert res.status_code == status
    assert res.get_json()["error"]["message"]


def test_api_huge_body_is_413(client: FlaskClient) -> None:
    res = client.post(
        "/api/v1/turn", data=b'{"say": "' + b"a" * 70000 + b'"}', content_type="application/json"
    )
    assert res.status_code == 413 and res.get_json()["error"]["code"] == "too_large"


def test_unknown_page_is_kind_404(client: FlaskClient) -> None:
    res = client.get("/no-such-page")
    assert res.status_code == 404 and "Help now" in res.get_data(as_text=True)


def test_help_page_without_js(client: FlaskClient) -> None:
    html = client.get("/help").get_data(as_text=True)
    for number in ("999", "0800 1111", "116 123", "85258"):
        assert number in html


def test_security_headers(client: FlaskClient) -> None:
    res = client.get("/")
    csp = res.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert res.headers["Referrer-Policy"] == "no-referrer"
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in res.headers["Permissions-Policy"]
    assert "Set-Cookie" not in res.headers


def test_no_code_can_set_a_session_cookie(app: Any) -> None:
    """No cookies by construction: a write to Flask's session fails loudly
    instead of quietly sending a cookie that could tie visits together."""
    from flask import session

    with app.test_request_context("/"), pytest.raises(RuntimeError, match="session is unavailable"):
        session["seen"] = True


def test_cross_origin_socket_refused(client: FlaskClient) -> None:
    handshake = "/socket.io/?EIO=4&transport=polling"
    assert client.get(handshake, headers={"Origin": "https://evil.example"}).status_code == 400
    ok = client.get(handshake, headers={"Origin": "http://localhost"})
    assert ok.status_code == 200 and b"sid" in ok.data


def test_a_page_reads_its_token_once(app: Any, client: FlaskClient) -> None:
    """At the DSL review's outcome the step, the steps so far and the printed
    record all need the conversation: the page reads its token once (it read
    it three times). A form post that meets a problem reads it once too, and
    so does the page it sends the browser to."""
    engine = app.extensions["safechat"]["engine"]
    turn = engine.step(None, {"start": "school_dsl_incident"})
    for choice in ("england", "no", "no", "no", "no", "yes"):
        turn = engine.step(turn.token, {"choose": choice})
    assert turn.print == "record"
    with mock.patch.object(Tokens, "load", autospec=True, side_effect=Tokens.load) as load:
        html = client.get(f"/chat?t={turn.token}").get_data(as_text=True)
        assert load.call_count == 1
        assert 'class="dsl-record filled"' in html and 'class="msg you past"' in html
        load.reset_mock()
        res = client.post("/chat", data={"token": turn.token, "choose": "no_such_option"})
        assert res.status_code == 303 and load.call_count == 1
        load.reset_mock()
        html = client.get(res.headers["Location"]).get_data(as_text=True)
        assert load.call_count == 1 and 'class="dsl-record filled"' in html
        load.reset_mock()  # a token that can't be used is read once to say so, too
        res = client.post("/api/v1/turn", json={"token": turn.token[:-3] + "AAA", "choose": "no"})
        assert res.get_json()["error"]["code"] == "bad_token" and load.call_count == 1
