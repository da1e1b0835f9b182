"""Socket.IO turns/s against the real server, and server memory per
conversation in progress (the quick version for `make bench`; the full load
harness with the echo comparison is `make bench-load`, bench/load.py, whose
client this reuses).

C clients each run conversations of a few turns until 10,000 conversations
have been started; every conversation's last token is kept by the client, as
a paused conversation would be. Memory per conversation = growth of the
server's RSS ÷ conversations. Target ≤ 2 KB.
"""

from __future__ import annotations

import asyncio
import time

from live import rss_kb, running

from .bench_engine import percentile
from .load import ChatClient

TURNS = ("young_person", "youth_other")  # a short real conversation after the start
# One loopback address plays every client here: per-address and per-connection limits off.
ENV = {"SAFECHAT_RATE_PER_CLIENT": "0", "SAFECHAT_RATE_PER_CONNECTION": "0"}


async def client(base: str, conversations: int, latencies: list[float], tokens: list[str]) -> None:
    c = ChatClient()
    await c.connect(base)

    async def act(action: dict) -> dict:
        kind, data, seconds = await c.act(action)
        latencies.append(seconds)
        if kind != "turn":
            raise RuntimeError(data)
        return data

    for _ in range(conversations):
        turn = await act({})
        for choice in TURNS:
            turn = await act({"token": turn["token"], "choose": choice})
        tokens.append(turn["token"])
    await c.close()


async def run(base: str, clients: int, conversations: int) -> tuple[float, list[float], list[str]]:
    latencies: list[float] = []
    tokens: list[str] = []
    per = conversations // clients
    t0 = time.perf_counter()
    await asyncio.gather(*(client(base, per, latencies, tokens) for _ in range(clients)))
    return time.perf_counter() - t0, latencies, tokens


def main(clients: int = 20, conversations: int = 10000) -> dict[str, float]:
    with running(extra_env=ENV) as (base, pid):
        asyncio.run(run(base, 4, 200))  # warm up: imports, caches, first allocations
        before = rss_kb(pid)
        elapsed, lat, tokens = asyncio.run(run(base, clients, conversations))
        after = rss_kb(pid)
    lat.sort()
    turns = len(lat)
    per_conv = (after - before) * 1024 / len(tokens)
    p50, p99 = percentile(lat, 0.5) * 1000, percentile(lat, 0.99) * 1000
    print(
        f"socket.io: {turns / elapsed:.0f} turns/s with {clients} clients, p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    print(
        f"server memory: {per_conv:.0f} bytes per conversation over {len(tokens)} conversations "
        f"(RSS {before} → {after} KB; target ≤ 2048 bytes)"
    )
    return {"turns_per_s": turns / elapsed, "bytes_per_conversation": per_conv}


if __name__ == "__main__":
    main()
