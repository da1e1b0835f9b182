"""Socket.IO namespace /chat: the client emits ``act``, we emit ``turn`` or
``problem`` to that client only.

The handlers sit on python-socketio's server itself rather than behind
Flask-SocketIO's decorator, which builds and tears down a whole Flask
request context for every event (~13% of a turn's CPU in the server, see
README, Performance); a turn needs only the engine and the address the
socket connected from."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Iterable
from typing import Any

import socketio
from flask import Flask
from flask_socketio import SocketIO
from socketio.packet import Packet

from .. import strict_json
from .turns import Turns

NAMESPACE = "/chat"
log = logging.getLogger(__name__)


class Refused:
    """An event's data that was JSON but not strict JSON (a repeated key,
    NaN): the handler answers it as HTTP does, with bad_request."""


REFUSED = Refused()


class StrictJSON:
    """The json-module shape python-socketio's packets use, strict on the way
    in, like HTTP bodies (app/strict_json.py): parsers disagree about which of
    two repeated keys wins, so what a proxy or log saw and what the app acts
    on could differ. Broken JSON still fails: the packet is dropped (one log
    line, app/logs.py)."""

    dumps = staticmethod(json.dumps)

    @staticmethod
    def loads(text: str) -> Any:
        try:
            return strict_json.loads(text)
        except (ValueError, RecursionError):
            value = json.loads(text)  # not JSON at all: raises, and the packet is dropped
            if isinstance(value, list) and value and isinstance(value[0], str):
                return [value[0], REFUSED]  # the event, with data nothing will accept
            raise


class TextPacket(Packet):
    """Turns are JSON text, never bytes: skip python-socketio's walk of every
    nested value of every packet looking for binary attachments. Packets are
    read as strict JSON (StrictJSON)."""

    uses_binary_events = False
    json = StrictJSON


StartResponse = Callable[..., Any]


def no_store(wsgi_app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> Any:
    """Engine.IO answers long-polling requests itself, outside Flask, and
    those answers carry conversation tokens: they must never be cached."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not environ.get("PATH_INFO", "").startswith("/socket.io/"):
            return wsgi_app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            headers = [(k, v) for k, v in headers if k.lower() != "cache-control"]
            return start_response(status, [*headers, ("Cache-Control", "no-store")], *exc_info)

        return wsgi_app(environ, start)

    return app


def init_app(app: Flask, flask_socketio: SocketIO) -> None:
    """Registers the /chat events on the server `init_app` just made."""
    server = flask_socketio.server

    def turns_for(environ: dict[str, Any]) -> Turns:
        # The app the socket connected to (Flask-SocketIO puts it in the
        # environ); tests run several apps on one SocketIO.
        return (environ.get("flask.app") or app).extensions["safechat"]["turns"]  # type: ignore[no-any-return]

    def on_act(sid: str, data: Any = None, *_extra: Any) -> None:
        environ = server.get_environ(sid, NAMESPACE) or {}
        turns = turns_for(environ)
        try:
            result, ok = turns.take(data, environ.get("REMOTE_ADDR"), connection=sid, transport="socket")
        except Exception as exc:  # the person still gets a kind answer and keeps their place
            where = traceback.extract_tb(exc.__traceback__)[-1]
            # Type and place only: an exception's message could quote what was typed.
            log.error("act failed: %s at %s:%s", type(exc).__name__, where.filename, where.lineno)
            result, ok = turns.engine.problem_for("bad_request"), False
        # The answer goes to this socket on this process: with a message
        # queue it need not be published to the others too.
        server.emit("turn" if ok else "problem", result, to=sid, namespace=NAMESPACE, ignore_queue=True)

    def on_connect(sid: str, environ: dict[str, Any], *_auth: Any) -> None:
        turns_for(environ).metrics.socket_opened()

    def on_disconnect(sid: str, *_reason: Any) -> None:
        turns = turns_for(server.get_environ(sid, NAMESPACE) or {})
        turns.connection.forget(sid)
        turns.metrics.socket_closed()

    app.wsgi_app = no_store(app.wsgi_app)  # type: ignore[method-assign]
    server.on("act", on_act, namespace=NAMESPACE)
    server.on("connect", on_connect, namespace=NAMESPACE)
    server.on("disconnect", on_disconnect, namespace=NAMESPACE)
    handle_in_order(server)


def handle_in_order(server: socketio.Server) -> None:
    """A person acts one step at a time, so each socket's events are handled
    in order where they arrive (its own reader greenlet) instead of each in
    a new greenlet, python-socketio's default. (Engine.IO's own handlers
    already run in place: python-socketio sets that.)"""
    server.async_handlers = False
