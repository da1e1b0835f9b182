"""How a serving process is tuned: shared by `python -m app` and the
benchmark's echo server that measures the transport as the app uses it."""

from __future__ import annotations

import gc


def tune_gc() -> None:
    """Garbage collection pauses every socket's turn (README, Performance).
    The ~100,000 objects alive once the app is built (its flows, content,
    catalogs, machines and libraries) live as long as the process, so no
    collection need walk them; and collecting the young generation every
    10,000 allocations instead of 700 lets a turn's short-lived objects die
    first, so fewer reach the older generations, whose collections take
    50-400 ms with 5,000 sockets open."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
