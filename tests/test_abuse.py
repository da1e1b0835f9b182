"""The abuse suite (issue 19): what one hostile client can send, and what it
must not be able to do with it. Amplifying Unicode, packet floods and
malformed requests, slow and half-sent requests and socket hoarding,
over-limit page loads, and stale tokens.

Each test failed on the main branch before issue 19 and passes now; the
live ones run the real server (`python -m app`, gevent) with short timeouts."""

from __future__ import annotations

import json
import socket
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio as sio_client
from conftest import limited_app
from flask import Flask
from flask.testing import FlaskClient

from app import socketio as server_socketio
from app.engine.actions import MAX_SAY, MAX_SAY_NORMALISED, parse_action
from app.engine.tokens import Conversation

CRISIS = "i want to kill myself"
HEADER_TIMEOUT, BODY_TIMEOUT, CAP = 3, 2, 6

# -- amplifying Unicode -------------------------------------------------------------

# The characters NFKD expands most (18, 8, 7 and 6 characters each).
AMPLIFYING = ["\ufdfa", "\ufdfb", "\u321d", "\u33af"]


@pytest.mark.parametrize("char", AMPLIFYING)
def test_typed_text_is_bounded_after_normalisation(char: str) -> None:
    say = parse_action({"say": char * MAX_SAY}).say
    assert say is not None and len(unicodedata.normalize("NFKD", say)) <= MAX_SAY_NORMALISED


@pytest.mark.parametrize(
    "text", ["é" * MAX_SAY, "Mae e'n gofyn am luniau ŵ ŷ â " * 30, "he wants £300 😢" * 60]
)
def test_ordinary_text_is_not_changed(text: str) -> None:
    text = text[:MAX_SAY]
    assert parse_action({"say": text}).say == text


class Recording:
    """The app's own safety service, noting the longest text it was asked to check."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.longest = 0

    def _note(self, text: str) -> None:
        self.longest = max(self.longest, len(unicodedata.normalize("NFKD", text)))

    def check(self, text: str) -> str | None:
        self._note(text)
        return self.inner.check(text)  # type: ignore[no-any-return]

    def route(self, text: str, audience: str | None) -> Any:
        self._note(text)
        return self.inner.route(text, audience)

    def writer(self, text: str) -> str | None:
        self._note(text)
        return self.inner.writer(text)  # type: ignore[no-any-return]


def test_no_transport_hands_the_checks_more_than_the_bound(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = app.extensions["safechat"]["engine"]
    spy = Recording(engine.safety)
    monkeypatch.setattr(engine, "safety", spy)
    text = "\ufdfa" * MAX_SAY
    assert client.post("/api/v1/turn", json={"say": text}).status_code == 200
    assert client.post("/chat", data={"say": text}, follow_redirects=True).status_code == 200
    sc = server_socketio.test_client(app, namespace="/chat", flask_test_client=client)
    sc.emit("act", {"say": text}, namespace="/chat")
    assert sc.get_received("/chat")[0]["name"] == "turn"
    sc.disconnect("/chat")
    assert 0 < spy.longest <= MAX_SAY_NORMALISED


def test_crisis_words_before_amplified_text_are_still_seen(api: Any) -> None:
    status, turn = api({"say": (CRISIS + " " + "\ufdfa" * MAX_SAY)[:MAX_SAY]})
    assert status == 200 and turn["crisis"]


# -- over-limit page loads ------------------------------------------------------------


def test_pages_render_for_an_address_over_its_limit(tmp_path: Path) -> None:
    client = limited_app(tmp_path).test_client()
    client.post("/api/v1/turn", json={})  # the address's whole allowance
    assert client.post("/api/v1/turn", json={}).status_code == 429
    for path in ("/", "/chat", "/chat?lang=cy", "/chat?lang=xx", "/help"):
        res = client.get(path)
        assert res.status_code == 200, path
        assert 'name="token"' in res.get_data(as_text=True) or path == "/help"


def test_typed_crisis_words_over_the_limit_get_the_crisis_card(tmp_path: Path) -> None:
    app = limited_app(tmp_path)
    client = app.test_client()
    client.post("/api/v1/turn", json={})
    page = client.post("/chat", data={"say": CRISIS}, follow_redirects=True)  # a form post answers 303
    assert page.status_code == 200 and "Childline" in page.get_data(as_text=True)
    res = client.post("/api/v1/turn", json={"say": CRISIS})
    assert res.status_code == 200 and res.get_json()["crisis"]
    # ... with a token too: the card sits on the person's own conversation
    token = client.get("/chat").get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    res = client.post("/api/v1/turn", json={"token": token, "say": CRISIS})
    assert res.status_code == 200 and res.get_json()["crisis"]
    # Anything else is still refused.
    assert client.post("/api/v1/turn", json={"say": "my boyfriend wants pics"}).status_code == 429
    assert client.post("/api/v1/turn", json={"choose": "parent", "token": token}).status_code == 429
    # Help now, too: no text to check.
    res = client.post("/api/v1/turn", json={"token": token, "choose": "help_now"})
    assert res.status_code == 200 and res.get_json()["crisis"]
    # On a socket over its own limit too.
    sc = server_socketio.test_client(app, namespace="/chat")
    sc.emit("act", {"say": CRISIS}, namespace="/chat")
    got = sc.get_received("/chat")[0]
    assert got["name"] == "turn" and got["args"][0]["crisis"]


def test_text_flooded_over_the_limit_gets_only_a_few_crisis_checks(tmp_path: Path) -> None:
    """Each check costs milliseconds: a script sending text over its limit
    gets ten checks in ten seconds, not as many as it can send."""
    app = limited_app(tmp_path, per_conn="1/600", per_client="0")
    sc = server_socketio.test_client(app, namespace="/chat")
    sc.emit("act", {}, namespace="/chat")
    for _ in range(15):
        sc.emit("act", {"say": CRISIS}, namespace="/chat")
    answers = [r["args"][0] for r in sc.get_received("/chat")[1:]]
    assert [bool(a.get("crisis")) for a in answers] == [True] * 10 + [False] * 5
    assert {a["error"]["code"] for a in answers[10:]} == {"rate_limited"}


def test_a_socket_refused_by_its_own_limit_costs_its_address_nothing(tmp_path: Path) -> None:
    """One socket pipelining events must not lock out everyone behind the
    same school or mobile network address."""
    app = limited_app(tmp_path, per_conn="2/600", per_client="5/600")
    flood = server_socketio.test_client(app, namespace="/chat")
    for _ in range(50):
        flood.emit("act", {}, namespace="/chat")
    names = [r["name"] for r in flood.get_received("/chat")]
    assert names == ["turn"] * 2 + ["problem"] * 48
    neighbour = server_socketio.test_client(app, namespace="/chat")
    for _ in range(2):
        neighbour.emit("act", {}, namespace="/chat")
    assert [r["name"] for r in neighbour.get_received("/chat")] == ["turn", "turn"]
    assert app.test_client().post("/api/v1/turn", json={}).status_code == 200  # 5th of 5


# -- stale tokens ----------------------------------------------------------------------------


def stale_tokens(app: Flask) -> dict[str, str]:
    """Validly signed tokens naming what a later deploy no longer has."""
    engine = app.extensions["safechat"]["engine"]
    start = engine.settings["start"]
    first = engine.flows[start].start
    here = Conversation(start, first, "en", steps=2)
    return {
        "history": engine.tokens.dump(here._replace(history=(("renamed_flow", "gone"),))),
        "history state": engine.tokens.dump(here._replace(history=((start, "gone_state"),))),
        "suggested": engine.tokens.dump(here._replace(overlay=("renamed_flow",))),
        "overlay": engine.tokens.dump(here._replace(overlay="something_new")),
        "locale": engine.tokens.dump(here._replace(locale="xx")),
    }


@pytest.mark.parametrize("kind", ["history", "history state", "suggested", "overlay", "locale"])
@pytest.mark.parametrize("action", [{"choose": "back"}, {"choose": "renamed_flow"}, {}, {"locale": "en"}])
def test_a_stale_token_gets_start_again(app: Flask, api: Any, kind: str, action: dict[str, str]) -> None:
    status, body = api({"token": stale_tokens(app)[kind], **action})
    assert status == 400 and body["error"]["code"] == "bad_token"
    assert [o["id"] for o in body["error"]["options"]] == ["start_again"]


@pytest.mark.parametrize("kind", ["history", "suggested", "locale"])
def test_a_stale_token_on_the_page_without_javascript(app: Flask, client: FlaskClient, kind: str) -> None:
    res = client.post("/chat", data={"token": stale_tokens(app)[kind], "choose": "back"})
    assert res.status_code == 303  # to a page that can be reloaded, with the problem named
    res = client.get(res.headers["Location"])
    assert res.status_code == 200 and "start again" in res.get_data(as_text=True).lower()
    # Typed text with a stale token: the same kind answer, never a 500 ...
    res = client.post("/api/v1/turn", json={"token": stale_tokens(app)[kind], "say": "hello"})
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "bad_token"
    # ... but words of danger get the crisis card first (test_danger_first.py).
    res = client.post("/api/v1/turn", json={"token": stale_tokens(app)[kind], "say": CRISIS})
    assert res.status_code == 200 and res.get_json()["crisis"]


# -- the live server: floods, malformed and slow requests, hoarded sockets -----------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from live import Server

    srv = Server(
        str(tmp_path_factory.mktemp("abuse")),
        extra_env={
            "SAFECHAT_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
            "SAFECHAT_BODY_TIMEOUT": str(BODY_TIMEOUT),
            "SAFECHAT_CONNECTIONS_PER_ADDRESS": str(CAP),
        },
    )
    srv.start()
    yield srv
    srv.stop()


def log_after(server: Any, offset: int) -> str:
    """What the server logged after `offset`: waits for something (at most
    5 s, for a busy machine), then a little longer for the rest."""
    for _ in range(50):
        if server.log.stat().st_size > offset:
            break
        time.sleep(0.1)
    time.sleep(0.5)
    return str(server.log.read_bytes()[offset:].decode("utf-8", "replace"))


def polling_session(base: str) -> str:
    """An Engine.IO long-polling session joined to /chat: its query string."""
    with urllib.request.urlopen(base + "/socket.io/?EIO=4&transport=polling", timeout=5) as res:
        sid = json.loads(res.read().decode()[1:])["sid"]
    query = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
    poll_post(base, query, "40/chat,")
    with urllib.request.urlopen(base + query, timeout=5) as res:
        assert res.read().decode().startswith("40/chat,")
    return query


def poll_post(base: str, query: str, body: str) -> int:
    req = urllib.request.Request(
        base + query, data=body.encode(), method="POST", headers={"Content-Type": "text/plain"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return int(res.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def socket_turn(base: str, action: dict[str, Any], wait_first: float = 0.0) -> dict[str, Any]:
    client = sio_client.Client(reconnection=False)
    got: list[Any] = []
    client.on("turn", got.append, namespace="/chat")
    client.connect(base, namespaces=["/chat"], transports=["websocket"])
    try:
        client.sleep(wait_first)
        client.emit("act", action, namespace="/chat")
        for _ in range(100):
            if got:
                break
            client.sleep(0.05)
    finally:
        client.disconnect()
    assert got, "no turn came back"
    return got[0]  # type: ignore[no-any-return]


def test_a_packet_flood_logs_one_short_line_per_kind(server: Any) -> None:
    offset = server.log.stat().st_size
    for _ in range(5):  # each session is closed by the server after its first bad payload
        query = polling_session(server.base)
        poll_post(server.base, query, "\x1e".join(['42/chat,["act",{'] * 500))
    for packet in ("42/chat," + "[" * 30_000, '42/chat,["act",{"say":"hi","say":"' + CRISIS + '"}]'):
        for _ in range(3):
            poll_post(server.base, polling_session(server.base), packet)
    log = log_after(server, offset)
    assert "Traceback" not in log
    lines = log.splitlines()
    assert len(lines) <= 6 and all(len(line) <= 300 for line in lines), log
    assert socket_turn(server.base, {})["state"]  # and the server still serves


def test_a_forged_sid_cannot_write_a_line_of_its_own(server: Any) -> None:
    offset = server.log.stat().st_size
    for forged in ("%0AFORGED-LINE%20admin%20logged%20in", "%0D%0AFORGED-LINE", "%1B[2K%0DFORGED-LINE"):
        try:
            urllib.request.urlopen(
                f"{server.base}/socket.io/?EIO=4&transport=polling&sid=x{forged}", timeout=5
            )
        except urllib.error.HTTPError:
            pass
    assert not [
        ln for ln in log_after(server, offset).splitlines() if "FORGED-LINE" in ln and "x\\" not in ln
    ]


def raw_request(server: Any, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(data)
        return s.recv(200)


def test_malformed_requests_are_logged_without_address_or_request(server: Any) -> None:
    offset = server.log.stat().st_size
    for raw in (
        b"GET /?m=MARK HTTP/9.9\r\n\r\n",
        b"GET /a b c?m=MARK HTTP/1.1\r\n\r\n",
        b"POST /api/v1/turn?m=MARK HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"GET /?m=MARK HTTP/1.1\r\nHost: x\r\nContent-Length: MARK\r\n\r\n",
    ):
        assert raw_request(server, raw).startswith(b"HTTP/1.1 400")
    log = log_after(server, offset)
    assert "MARK" not in log and "127.0.0.1" not in log and "GET" not in log
    # Logged, once a minute at most (an earlier test may have used this minute's line).
    assert "refused a malformed request (_InvalidClientRequest)" in server.log.read_text()


def test_a_half_sent_request_is_closed(server: Any) -> None:
    start = time.monotonic()
    answer = raw_request(server, b"GET /help HTTP/1.1\r\nHost: x\r\n")  # no blank line: never finished
    assert time.monotonic() - start < HEADER_TIMEOUT + 2
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408")
    start = time.monotonic()
    assert raw_request(server, b"") == b""  # connected, sent nothing
    assert time.monotonic() - start < HEADER_TIMEOUT + 2


def test_a_body_sent_a_byte_at_a_time_is_refused(server: Any) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(
            b"POST /api/v1/turn HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 60\r\n\r\n{"
        )
        start = time.monotonic()
        try:
            for _ in range(30):
                time.sleep(0.5)
                s.sendall(b" ")
        except OSError:  # closed by the server
            pass
        assert time.monotonic() - start < BODY_TIMEOUT + 3
        answer = s.recv(200)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408")


def test_one_address_cannot_hoard_sockets(server: Any) -> None:
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(CAP)]
    try:
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as extra:
            start = time.monotonic()
            try:
                extra.sendall(b"GET /help HTTP/1.1\r\nHost: x\r\n\r\n")
                answer = extra.recv(200)
            except ConnectionResetError:
                answer = b""
            assert answer == b""  # closed at once, not answered
            assert time.monotonic() - start < 1.5
    finally:
        for s in held:
            s.close()
    time.sleep(0.2)
    assert urllib.request.urlopen(server.base + "/help", timeout=5).status == 200


def test_a_websocket_outlives_the_request_timeouts(server: Any) -> None:
    """The timeouts are for reading requests, not for the conversation after."""
    turn = socket_turn(server.base, {}, wait_first=HEADER_TIMEOUT + BODY_TIMEOUT + 1)
    assert turn["state"]
