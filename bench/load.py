"""`make bench-load`: many concurrent Socket.IO clients playing real flows.

    .venv/bin/python -m bench.load [--clients 50] [--turns 100] [--rounds 3] [--memory-sockets 1000]
                                   [--sockets 5000] [--rate 0] [--duration 20] [--no-cluster]

In one run, each against a fresh `python -m ...` server on a free loopback port:

1. throughput: --clients clients (python-socketio asyncio client, WebSocket
   transport) each play --turns turns through real flows: start, choose
   through welcome to a youth or parent flow, then any non-global option of
   each turn, starting again at an end, --rounds times against each server.
   Prints turns/s, p50/p99 latency and errors (the median round), for the
   app and for the bare echo server (`bench/echo_server.py`,
   same packages and async mode), and the ratio app ÷ echo (target ≥ 0.85);
   then the same for the echo set up like the app's transport
   (ECHO_LIKE_APP=1), whose ratio is what the engine itself costs.
2. memory: --memory-sockets sockets each open a conversation and stay
   connected; server RSS growth ÷ sockets, app minus each echo (target ≤ 2 KB).
3. capacity: --sockets sockets connected at once (0 skips), each with its
   conversation open, then taking turns at random so that together they send
   --rate turns/s (0: half the measured app throughput) for --duration s;
   prints p99 (target < 200 ms) and how busy server and harness were.
4. cluster: if redis-server and nginx are installed, `deploy/cluster.sh`
   starts Redis, two app processes and nginx, and the throughput run is
   repeated through nginx: cluster ÷ single-process turns/s.

The async mode is SAFECHAT_ASYNC_MODE (the app's default when unset).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import random
import resource
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import socketio
from live import cluster, rss_kb, running

from .bench_engine import percentile

logging.getLogger("engineio.client").setLevel(logging.CRITICAL)  # "packet queue is empty" on close
ROOT = Path(__file__).resolve().parent.parent

NAMESPACE = "/chat"
AUDIENCES = ("young_person", "parent")  # welcome → a youth or parent flow, not schools


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class ChatClient:
    """One browser-like Socket.IO client on /chat: `act()` emits an action and
    waits for the `turn` or `problem` that answers it."""

    def __init__(self, reconnection: bool = False, **client_kwargs: Any) -> None:
        self.sio = socketio.AsyncClient(reconnection=reconnection, **client_kwargs)
        self.inbox: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self.sio.on("turn", lambda data: self.inbox.put_nowait(("turn", data)), namespace=NAMESPACE)
        self.sio.on("problem", lambda data: self.inbox.put_nowait(("problem", data)), namespace=NAMESPACE)

    async def connect(
        self, base: str, transports: tuple[str, ...] = ("websocket",), timeout: float = 30
    ) -> None:
        await self.sio.connect(
            base, namespaces=[NAMESPACE], transports=list(transports), wait_timeout=timeout
        )

    async def act(self, action: dict[str, Any], timeout: float = 30) -> tuple[str, dict[str, Any], float]:
        """(kind, data, seconds) where kind is "turn" or "problem"."""
        t0 = time.perf_counter()
        await self.sio.emit("act", action, namespace=NAMESPACE)
        kind, data = await asyncio.wait_for(self.inbox.get(), timeout)
        return kind, data, time.perf_counter() - t0

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.sio.disconnect()


def next_action(turn: dict[str, Any] | None, rng: random.Random) -> dict[str, Any]:
    """A person's next move: start, pick an audience at welcome, else any
    non-global option; start again where there is none."""
    if turn is None:
        return {}
    options = [o["id"] for o in turn.get("options", []) if not o.get("global")]
    if turn.get("flow") == "welcome" and turn.get("state") == "audience":
        options = [o for o in options if o in AUDIENCES] or options
    if not options:
        return {}
    return {"token": turn["token"], "choose": rng.choice(options)}


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    server_cpu: float = 0.0  # CPU seconds the server used while measured
    client_cpu: float = 0.0

    @property
    def turns(self) -> int:
        return len(self.latencies)

    def pct(self, p: float) -> float:
        return percentile(sorted(self.latencies), p) * 1000 if self.latencies else float("nan")

    @property
    def rate(self) -> float:
        return self.turns / self.elapsed if self.elapsed else 0.0

    def line(self, label: str) -> str:
        return (
            f"{label}: {self.rate:.0f} turns/s, p50 {self.pct(0.5):.1f} ms, p99 {self.pct(0.99):.1f} ms, "
            f"{self.turns} turns, {self.errors} errors"
            + (
                f"; CPU per turn: server {self.server_cpu / self.turns * 1e6:.0f} µs, "
                f"client {self.client_cpu / self.turns * 1e6:.0f} µs"
                if self.server_cpu and self.turns
                else ""
            )
        )


async def play(
    client: ChatClient, turns: int, rng: random.Random, stats: Stats, turn: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """Plays `turns` turns from `turn` (None: a new conversation); returns the last turn."""
    for _ in range(turns):
        try:
            kind, data, seconds = await client.act(next_action(turn, rng))
        except (TimeoutError, socketio.exceptions.SocketIOError):
            stats.errors += 1
            turn = None
            continue
        if kind == "turn":
            stats.latencies.append(seconds)
            turn = data
        else:
            stats.errors += 1
            turn = None
    return turn


async def connect_many(base: str, n: int, parallel: int = 50) -> list[ChatClient]:
    """n connected clients; raises if any fails to connect after three tries."""
    gate = asyncio.Semaphore(parallel)

    async def one() -> ChatClient:
        async with gate:
            for attempt in range(3):
                c = ChatClient()
                try:
                    await c.connect(base)
                    return c
                except socketio.exceptions.ConnectionError:
                    await c.close()
                    if attempt == 2:
                        raise
                    await asyncio.sleep(0.5)
            raise AssertionError("unreachable")

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def throughput(base: str, clients: int, turns: int, pid: int | None = None, seed: int = 1) -> Stats:
    conns = await connect_many(base, clients)
    warm = (play(c, 5, random.Random(seed + i), Stats()) for i, c in enumerate(conns))
    await asyncio.gather(*warm)
    stats = Stats()
    s0, c0 = cpu_s(pid) if pid else 0.0, time.process_time()
    t0 = time.perf_counter()
    await asyncio.gather(
        *(play(c, turns, random.Random(seed * 1000 + i), stats) for i, c in enumerate(conns))
    )
    stats.elapsed = time.perf_counter() - t0
    stats.server_cpu, stats.client_cpu = (cpu_s(pid) - s0) if pid else 0.0, time.process_time() - c0
    await asyncio.gather(*(c.close() for c in conns))
    return stats


async def memory(base: str, pid: int, sockets: int) -> tuple[float, int, int]:
    """Bytes of server RSS per open socket holding a conversation."""
    warm = await connect_many(base, 50)  # first allocations, caches, thread pools
    await asyncio.gather(*(play(c, 3, random.Random(i), Stats()) for i, c in enumerate(warm)))
    await asyncio.gather(*(c.close() for c in warm))
    await asyncio.sleep(1)
    before = rss_kb(pid)
    conns = await connect_many(base, sockets)
    await asyncio.gather(*(play(c, 2, random.Random(i), Stats()) for i, c in enumerate(conns)))
    await asyncio.sleep(1)
    after = rss_kb(pid)
    await asyncio.gather(*(c.close() for c in conns))
    return (after - before) * 1024 / sockets, before, after


@contextlib.contextmanager
def harness_gc_paused() -> Iterator[None]:
    """The load generator's own garbage collections (its 5,000 clients are
    ~1 M objects: a full one stops its event loop for ~0.7 s) would show up
    as server latency. Paused while measuring, as timeit does."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


async def capacity(base: str, pid: int, sockets: int, rate: float, duration: float) -> tuple[Stats, float]:
    """`sockets` connected at once, each with its conversation open (one
    turn); then each sends a turn at random moments (a Poisson process) so
    that together they send `rate` turns/s for `duration` s. Returns the
    stats (with both processes' CPU) and the seconds connecting took."""
    t0 = time.perf_counter()
    conns = await connect_many(base, sockets, parallel=100)
    connect_s = time.perf_counter() - t0
    gate = asyncio.Semaphore(100)

    async def open_one(c: ChatClient, rng: random.Random) -> dict[str, Any] | None:
        async with gate:
            return await play(c, 1, rng, Stats())

    rngs = [random.Random(i) for i in range(sockets)]
    firsts = await asyncio.gather(*(open_one(c, rng) for c, rng in zip(conns, rngs, strict=True)))
    stats = Stats()
    per_socket = rate / sockets

    async def pace(c: ChatClient, rng: random.Random, turn: dict[str, Any] | None) -> None:
        # Exponential from the start too: a Poisson process has no memory, so
        # the offered rate is steady from the first second (a uniform first
        # wait would overlap first and second turns: up to double the rate).
        await asyncio.sleep(min(rng.expovariate(per_socket), duration))
        while time.perf_counter() < deadline:
            turn = await play(c, 1, rng, stats, turn)
            # The last pause is cut at the deadline, so the run ends with it.
            await asyncio.sleep(min(rng.expovariate(per_socket), max(0.0, deadline - time.perf_counter())))

    with harness_gc_paused():
        s0, c0 = cpu_s(pid), time.process_time()
        t1 = time.perf_counter()
        deadline = t1 + duration
        await asyncio.gather(*(pace(*args) for args in zip(conns, rngs, firsts, strict=True)))
        stats.elapsed = time.perf_counter() - t1
        stats.server_cpu, stats.client_cpu = cpu_s(pid) - s0, time.process_time() - c0
    await asyncio.gather(*(c.close() for c in conns))
    return stats, connect_s


ECHOES = {"echo": {}, "echo like the app": {"ECHO_LIKE_APP": "1"}}


def server(
    module: str, per_connection_limit: bool = False, env: dict[str, str] | None = None
) -> contextlib.AbstractContextManager[tuple[str, int]]:
    """Every client here shares one loopback address, so the per-address rate
    limit is off; the per-connection one is on (its default) where clients
    pace like people. An empty setting means the default."""
    env = {"SAFECHAT_SECRET_KEY": "l" * 40, **(env or {})}
    if per_connection_limit:
        env["SAFECHAT_RATE_PER_CONNECTION"] = ""
    return running(module, env)


def compare_throughput(args: argparse.Namespace, out: dict[str, float]) -> Stats:
    """The app and both echoes, --rounds times each; returns the app's median round."""
    # The three servers run side by side (idle ones cost nothing) and are
    # measured in turn, --rounds times: each ratio is the median of ratios
    # taken moments apart, so a noisy second on a shared machine moves it less.
    with contextlib.ExitStack() as stack:
        servers = {"app": stack.enter_context(server("app"))}
        for name, env in ECHOES.items():
            servers[name] = stack.enter_context(server("bench.echo_server", env=env))
        runs: dict[str, list[Stats]] = {name: [] for name in servers}
        for _ in range(args.rounds):
            for name, (base, pid) in servers.items():
                runs[name].append(asyncio.run(throughput(base, args.clients, args.turns, pid)))
    for name, stats in runs.items():
        middle = sorted(stats, key=lambda st: st.rate)[len(stats) // 2]
        print(middle.line(f"{name} (median of {len(stats)})"))
    app_stats = sorted(runs["app"], key=lambda st: st.rate)[len(runs["app"]) // 2]
    out["turns_per_s"] = app_stats.rate
    for name, env in ECHOES.items():
        ratios = sorted(a.rate / e.rate for a, e in zip(runs["app"], runs[name], strict=True))
        key = name.replace(" ", "_")
        out[f"ratio_vs_{key}"] = ratios[len(ratios) // 2]
        print(
            f"app ÷ {name}: {out[f'ratio_vs_{key}']:.2f} (rounds: {', '.join(f'{r:.2f}' for r in ratios)})"
            + (" (target ≥ 0.85)" if not env else " (what the engine itself costs)")
        )
    return app_stats


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--turns", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--memory-sockets", type=int, default=1000)
    ap.add_argument("--sockets", type=int, default=5000)
    ap.add_argument(
        "--rate", type=float, default=0, help="turns/s in the capacity run (0: half of throughput)"
    )
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--no-cluster", action="store_true")
    args = ap.parse_args(argv)
    raise_fd_limit()
    mode = os.environ.get("SAFECHAT_ASYNC_MODE") or "default"
    print(f"async mode: {mode}; {args.clients} clients x {args.turns} turns")
    out: dict[str, float] = {}

    app_stats = compare_throughput(args, out)

    if args.memory_sockets:
        with server("app", per_connection_limit=True) as (base, pid):
            app_b, a0, a1 = asyncio.run(memory(base, pid, args.memory_sockets))
        out["bytes_per_socket"] = app_b
        print(
            f"memory over {args.memory_sockets} open sockets: app {app_b:.0f} B/socket (RSS {a0} → {a1} KB)"
        )
        for name, env in ECHOES.items():
            with server("bench.echo_server", env=env) as (base, pid):
                echo_b, e0, e1 = asyncio.run(memory(base, pid, args.memory_sockets))
            out[f"{name.replace(' ', '_')}_bytes_per_socket"] = echo_b
            print(
                f"  {name} {echo_b:.0f} B/socket (RSS {e0} → {e1} KB): "
                f"app − {name} {app_b - echo_b:.0f} B per conversation (target ≤ 2048)"
            )

    if args.sockets:
        rate = args.rate or app_stats.rate / 2
        with server("app", per_connection_limit=True) as (base, pid):
            stats, connect_s = asyncio.run(capacity(base, pid, args.sockets, rate, args.duration))
            rss = rss_kb(pid)
        out["capacity_p99_ms"] = stats.pct(0.99)
        print(
            f"{args.sockets} sockets connected in {connect_s:.1f} s (server RSS {rss / 1024:.0f} MB); "
            f"at {rate:.0f} turns/s offered for {args.duration:.0f} s: "
            + stats.line("served")
            + f"; busy: server {stats.server_cpu / stats.elapsed:.0%} of a core, "
            f"harness {stats.client_cpu / stats.elapsed:.0%} (target p99 < 200 ms)"
        )

    if args.no_cluster:
        pass
    elif not (shutil.which("redis-server") and (shutil.which("nginx") or Path("/usr/sbin/nginx").exists())):
        print("cluster: skipped (apt-get install redis-server nginx)")
    else:
        no_limits = {
            "SAFECHAT_SECRET_KEY": "l" * 40,
            "SAFECHAT_RATE_PER_CLIENT": "0",
            "SAFECHAT_RATE_PER_CONNECTION": "0",
        }
        with cluster(extra_env=no_limits) as running_cluster:
            cl = asyncio.run(throughput(running_cluster["base"], args.clients, args.turns))
        print(cl.line("cluster (nginx + 2 app processes + Redis)"))
        out["cluster_ratio"] = cl.rate / app_stats.rate
        print(f"cluster ÷ single process: {out['cluster_ratio']:.2f} (on {os.cpu_count()} cores)")
    return out


if __name__ == "__main__":
    main()
