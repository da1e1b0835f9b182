"""How a serving process serves and is tuned: shared by `python -m app` and
the benchmark's echo server that measures the transport as the app uses it."""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask
from flask_socketio import SocketIO


def serve(app: Flask, socketio: SocketIO, host: str, port: int) -> None:
    """Serves until stopped. gevent (the default): our own server, with
    header and body timeouts, a cap on sockets per address and no line that
    names a client (app/gevent_server.py). threading: Werkzeug's, through
    Flask-SocketIO; log_output=False, as access logs would record addresses."""
    cfg: dict[str, Any] = app.config["SAFECHAT"]
    if cfg["ASYNC_MODE"] == "gevent":
        from .gevent_server import Server

        Server((host, port), app, cfg).serve_forever()
    else:
        socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=True)


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
