"""Start the real app (`python -m app`) in a subprocess on a free loopback
port, for browser tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    env = {"SAFECHAT_RATE_PER_CLIENT": "0", "SAFECHAT_RATE_PER_CONNECTION": "0", **(extra_env or {})}
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(tmp, module, env)
        server.start()
        try:
            yield server.base, server.pid
        finally:
            server.stop()
