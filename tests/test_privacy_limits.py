"""Nothing that identifies a person is kept, and rate limits answer kindly."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import socketio as sio_client
from conftest import limited_app

from app import socketio as server_socketio


def test_typed_text_ip_and_user_agent_are_never_kept(tmp_path: Path) -> None:
    from live import Server

    server = Server(str(tmp_path))
    server.start()
    marker = f"marker-{uuid.uuid4().hex}"
    agent = f"agent-{uuid.uuid4().hex}"
    try:

        def post(path: str, body: bytes, ctype: str) -> None:
            req = urllib.request.Request(
                server.base + path,
                data=body,
                method="POST",
                headers={"Content-Type": ctype, "User-Agent": agent},
            )
            try:
                urllib.request.urlopen(req, timeout=5).read()
            except urllib.error.HTTPError:
                pass

        post(
            "/api/v1/turn",
            json.dumps({"say": f"my name is {marker} and he wants money"}).encode(),
            "application/json",
        )
        post("/chat", f"say=hello+{marker}".encode(), "application/x-www-form-urlencoded")
        post("/api/v1/turn", json.dumps({"say": "x" * 1001 + marker}).encode(), "application/json")
        client = sio_client.Client(reconnection=False)
        got: list[Any] = []
        client.on("turn", got.append, namespace="/chat")
        client.connect(
            server.base, namespaces=["/chat"], transports=["websocket"], headers={"User-Agent": agent}
        )
        client.emit("act", {"say": f"{marker} i want to kms"}, namespace="/chat")
        for _ in range(100):  # wait for the answer, at most 5 s
            if got:
                break
            client.sleep(0.05)
        client.disconnect()
        assert got and got[0]["crisis"]  # the message did arrive and was acted on
    finally:
        server.stop()
    found = subprocess.run(
        ["grep", "-r", "-a", "-e", marker, "-e", agent, "-e", "127.0.0.1", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    # The one allowed mention of the address is the server announcing where it listens.
    lines = [ln for ln in found.stdout.splitlines() if "Serving on http://127.0.0.1:" not in ln]
    assert lines == [], f"identifying data kept: {lines}"
    log = (tmp_path / "server.log").read_text()
    assert "POST /" not in log and "GET /" not in log  # no access log at all
    assert (tmp_path / "safechat.db").exists()


def test_socket_rate_limit_per_connection(tmp_path: Path) -> None:
    app = limited_app(tmp_path, "3/60", "0")
    sc = server_socketio.test_client(app, namespace="/chat")
    names = []
    for _ in range(5):
        sc.emit("act", {}, namespace="/chat")
        names += [r["name"] for r in sc.get_received("/chat")]
    assert names == ["turn", "turn", "turn", "problem", "problem"]
    sc.emit("act", {}, namespace="/chat")
    problem = sc.get_received("/chat")[0]["args"][0]
    assert problem["error"]["code"] == "rate_limited" and "wait" in problem["error"]["message"]
    # another connection is not affected
    other = server_socketio.test_client(app, namespace="/chat")
    other.emit("act", {}, namespace="/chat")
    assert other.get_received("/chat")[0]["name"] == "turn"


def test_a_closed_socket_is_forgotten_by_its_rate_limit(tmp_path: Path) -> None:
    """Connection ids are random and never reused: an entry left behind would
    only take memory, for every socket ever opened."""
    app = limited_app(tmp_path, "3/60", "0")
    limiter = app.extensions["safechat"]["turns"].connection
    sc = server_socketio.test_client(app, namespace="/chat")
    sc.emit("act", {}, namespace="/chat")
    assert len(limiter._counts) == 1
    sc.disconnect(namespace="/chat")
    assert limiter._counts == {}


def test_http_rate_limit_per_client(tmp_path: Path) -> None:
    app = limited_app(tmp_path, "0", "2/60")
    client = app.test_client()
    codes = [client.post("/api/v1/turn", json={}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    res = client.post("/api/v1/turn", json={})
    assert res.get_json()["error"]["code"] == "rate_limited"
    page = client.post("/chat", data={"choose": "parent"})
    assert page.status_code == 429 and "wait a moment" in page.get_data(as_text=True)


@pytest.mark.parametrize(("rate", "expected"), [("0", (0, 1.0)), ("", (0, 1.0)), ("20/10", (20, 10.0))])
def test_parse_rate(rate: str, expected: tuple[int, float]) -> None:
    from app.limits import parse_rate

    assert parse_rate(rate) == expected


def test_counters_keep_only_flow_state_day_counts(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from app.store import Counters, open_db

    path = str(tmp_path / "c.db")
    open_db(path).close()
    spawned: list[Any] = []
    counters = Counters(path, flush_every=3, spawn=spawned.append)
    for state in ("audience", "audience", "parent_menu"):
        counters.add("welcome", state)
    assert len(spawned) == 1  # the flush was handed off, not run inside the turn
    spawned[0]()
    counters.add("welcome", "audience")
    counters.flush()
    rows = {(r["flow"], r["state"]): r["count"] for r in Database(path)["counters"].rows}
    assert rows == {("welcome", "audience"): 3, ("welcome", "parent_menu"): 1}
    assert set(Database(path)["counters"].columns_dict) == {"day", "flow", "state", "count"}


def socket_acts(base: str, n: int, headers: dict[str, str]) -> list[str]:
    """Connects one real Socket.IO client over WebSocket, sends n start
    actions and returns what came back for each: "turn" or the problem's code.
    (Long-polling goes through the same WSGI stack, ProxyFix outermost; the
    asyncio client that can poll leaves an aiohttp connection open, which
    this suite's warnings-are-errors setting rightly refuses.)"""
    client = sio_client.Client(reconnection=False)
    got: list[str] = []
    client.on("turn", lambda _t: got.append("turn"), namespace="/chat")
    client.on("problem", lambda p: got.append(p["error"]["code"]), namespace="/chat")
    client.connect(base, namespaces=["/chat"], transports=["websocket"], headers=headers)
    try:
        for i in range(n):
            client.emit("act", {}, namespace="/chat")
            for _ in range(200):  # at most 10 s for each answer
                if len(got) > i:
                    break
                client.sleep(0.05)
    finally:
        client.disconnect()
    return got


def test_behind_a_proxy_each_person_has_their_own_limit_on_every_transport(tmp_path: Path) -> None:
    """With SAFECHAT_PROXY_HOPS=1 the client address is the proxy's
    X-Forwarded-For, for sockets as for HTTP; otherwise everyone behind
    nginx would share one allowance and one busy person would block all."""
    from live import Server

    server = Server(
        str(tmp_path),
        extra_env={
            "SAFECHAT_PROXY_HOPS": "1",
            "SAFECHAT_RATE_PER_CLIENT": "2/60",
            "SAFECHAT_RATE_PER_CONNECTION": "0",
        },
    )
    server.start()
    try:
        assert socket_acts(server.base, 3, {"X-Forwarded-For": "203.0.113.1"}) == [
            "turn",
            "turn",
            "rate_limited",
        ]
        assert socket_acts(server.base, 1, {"X-Forwarded-For": "203.0.113.2"}) == ["turn"]

        def api(address: str) -> int:
            req = urllib.request.Request(
                server.base + "/api/v1/turn",
                data=b"{}",
                method="POST",
                headers={"Content-Type": "application/json", "X-Forwarded-For": address},
            )
            try:
                return int(urllib.request.urlopen(req, timeout=5).status)
            except urllib.error.HTTPError as exc:
                return exc.code

        assert [api("203.0.113.3") for _ in range(3)] == [200, 200, 429]
        assert api("203.0.113.4") == 200
        # One allowance per address across transports: the socket person has none left.
        assert api("203.0.113.1") == 429
    finally:
        server.stop()
