"""Start the real app (`python -m app`) in a subprocess on a free loopback
port, for browser tests and benchmarks."""

from __future__ import annotations

import functools
import http.server
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent

# Debian's Chromium, never a downloaded browser. Without the background
# networking flags it tries Google's hosts, which this closed network refuses.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Server:
    """One app process; `restart()` stops it and starts another on the same
    port and instance folder, as a deploy or crash would."""

    def __init__(self, instance_dir: str, module: str = "app", extra_env: dict[str, str] | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(instance_dir) / "server.log"
        self.env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "SAFECHAT_INSTANCE_DIR": instance_dir,
            **(extra_env or {}),
        }
        self.module = module
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:  # kept so tests can check what the server logs
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        for _ in range(400):
            try:
                urllib.request.urlopen(self.base + "/help", timeout=1).read()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(self.log.read_text()) from None
                time.sleep(0.05)
        self.stop()  # not left running to disturb the tests after this one
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


@contextmanager
def running(module: str = "app", extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """Yields (base URL, pid) of a server on a free port, stopped afterwards.
    For benchmarks: rate limits are off, since one address sends everything."""
    env = {
        "SAFECHAT_RATE_PER_CLIENT": "0",
        "SAFECHAT_RATE_PER_CONNECTION": "0",
        "SAFECHAT_RATE_HASH_REPORTS": "0",
        "SAFECHAT_REPORTS_PER_DAY": "0",
        "SAFECHAT_CONNECTIONS_PER_ADDRESS": "0",  # thousands of sockets from loopback
        **(extra_env or {}),
    }
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(tmp, module, env)
        server.start()
        try:
            yield server.base, server.pid
        finally:
            server.stop()


BUILD = ROOT / "app" / "static" / "build"


class _HarnessHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the repository, with /build/ mapped to the bundles `make build` wrote."""

    def translate_path(self, path: str) -> str:
        name = urlsplit(path).path
        if name.startswith("/build/"):
            return str(BUILD / name.removeprefix("/build/"))
        return super().translate_path(path)

    def log_message(self, format: str, *args: Any) -> None:  # quiet output
        pass


def serve_harness() -> http.server.ThreadingHTTPServer:
    """The PDQ harness page (tests/pdq_harness/) on a free loopback port, in a
    thread; `shutdown()` it when done."""
    if not (BUILD / "hash-worker.js").exists():
        raise RuntimeError("no app/static/build/hash-worker.js: run `make build` first")
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_HarnessHandler, directory=str(ROOT))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@contextmanager
def cluster(backends: int = 2, extra_env: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
    """`deploy/cluster.sh` (Redis, app processes, nginx) on free loopback
    ports. Yields {"base": nginx's URL, "backends": {port: pid}}."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {
            **os.environ,
            "CLUSTER_DIR": tmp,
            "CLUSTER_PORT": str(port),
            "CLUSTER_BACKENDS": str(backends),
            "REDIS_PORT": str(free_port()),
            "PYTHON": sys.executable,
            **(extra_env or {}),
        }
        proc = subprocess.Popen(
            ["bash", str(ROOT / "deploy" / "cluster.sh")],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        pids: dict[int, int] = {}
        lines: list[str] = []
        try:
            assert proc.stdout is not None
            deadline = time.monotonic() + 40
            for line in proc.stdout:
                lines.append(line)
                if m := re.match(r"backend \d+: pid (\d+) port (\d+)", line):
                    pids[int(m[2])] = int(m[1])
                if line.startswith("cluster ready") or time.monotonic() > deadline:
                    break
            if not (lines and lines[-1].startswith("cluster ready")):
                raise RuntimeError("cluster did not start:\n" + "".join(lines))
            yield {"base": f"http://127.0.0.1:{port}", "backends": pids}
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            if proc.stdout:
                proc.stdout.close()
