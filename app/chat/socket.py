"""Socket.IO namespace /chat: the client emits ``act``, we emit ``turn`` or
``problem`` to that client only."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_socketio import emit

from .. import socketio
from .turns import engine, take_turn

NAMESPACE = "/chat"


@socketio.on("act", namespace=NAMESPACE)
def on_act(data: Any = None, *_extra: Any) -> None:
    result, ok = take_turn(data, connection=request.sid)  # type: ignore[attr-defined]
    emit("turn" if ok else "problem", result)


@socketio.on("disconnect", namespace=NAMESPACE)
def on_disconnect(*_args: Any) -> None:
    current_app.extensions["safechat"]["limits"]["connection"].forget(request.sid)  # type: ignore[attr-defined]


@socketio.on_error(NAMESPACE)
def on_error(_exc: Exception) -> None:
    # A handler failed: the client still gets a kind answer and keeps its place.
    emit("problem", engine().problem_for("bad_request"))
