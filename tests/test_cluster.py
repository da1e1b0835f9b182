"""Scale-out: nginx in front of two `python -m app` processes sharing Redis
as the Socket.IO message queue (`deploy/cluster.sh`). A conversation lives in
its token, so when the process holding a client's socket dies, the client
reconnects (to the other one) and carries on at the same place."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from live import cluster as live_cluster  # noqa: E402

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(
    not (shutil.which("redis-server") and NGINX),
    reason="redis-server and nginx are not installed (apt-get install redis-server nginx; .ci/run does)",
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[dict[str, Any]]:
    with live_cluster() as running_cluster:
        yield running_cluster


def holding(backends: dict[int, int]) -> list[int]:
    """Backend ports with an established connection (from nginx): the
    WebSocket, since nginx keeps no other upstream connection open."""
    out = subprocess.run(
        ["ss", "-Htn", "state", "established"], capture_output=True, text=True, check=True
    ).stdout
    return [port for port in backends if re.search(rf"127\.0\.0\.1:{port}\s", out)]


def test_killing_a_backend_mid_conversation_loses_nothing(cluster: dict[str, Any]) -> None:
    """The browser's client reconnects by itself (tests/test_browser_chat.py);
    here the Python client reconnects explicitly, as that one does, because
    python-socketio's own automatic reconnection sometimes never starts when
    the server dies (it checks its Engine.IO state, which a crash can already
    have moved on). What is under test is the server side: any process
    carries on a conversation from its token alone."""
    turns: list[dict[str, Any]] = []
    sio = socketio.Client(reconnection=False)
    sio.on("turn", turns.append, namespace="/chat")
    sio.on("problem", lambda p: turns.append({"problem": p}), namespace="/chat")

    def act(action: dict[str, Any]) -> dict[str, Any]:
        n = len(turns)
        sio.emit("act", action, namespace="/chat")
        deadline = time.monotonic() + 10
        while len(turns) == n and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(turns) > n, "no answer"
        assert "problem" not in turns[-1], turns[-1]
        return turns[-1]

    def connect() -> None:
        sio.connect(cluster["base"], namespaces=["/chat"], transports=["websocket"], wait_timeout=10)

    connect()
    try:
        turn = act({})
        turn = act({"token": turn["token"], "choose": "young_person"})
        option = next(o["id"] for o in turn["options"] if not o.get("global"))
        turn = act({"token": turn["token"], "choose": option})
        where = (turn["flow"], turn["state"])

        ports = holding(cluster["backends"])
        assert len(ports) == 1, ports
        os.kill(cluster["backends"][ports[0]], signal.SIGKILL)  # a crash, not a clean stop

        deadline = time.monotonic() + 15
        while sio.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not sio.connected, "the client never noticed its server died"
        connect()  # nginx sends the new socket to a process that is alive
        assert holding(cluster["backends"]) not in ([], ports)  # now on the other process

        again = act({"token": turn["token"]})  # pick up from the token alone
        assert (again["flow"], again["state"]) == where
        assert [m["id"] for m in again["messages"]] == [m["id"] for m in turn["messages"]]
        option = next(o["id"] for o in again["options"] if not o.get("global"))
        after = act({"token": again["token"], "choose": option})
        assert after["token"] != again["token"]
    finally:
        sio.shutdown()
