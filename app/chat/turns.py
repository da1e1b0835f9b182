"""The one call every transport makes."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from ..engine import Engine


def engine() -> Engine:
    return current_app.extensions["safechat"]["engine"]  # type: ignore[no-any-return]


def take_turn(raw: Any, connection: str | None = None) -> tuple[dict[str, Any], bool]:
    """(Turn, True) or (Problem, False) for a person's action. Rate limits apply
    per client address and, on sockets, per connection. Counts the state
    reached when the person moved: re-showing a step (a reload, a reconnect,
    a language switch) is not a visit."""
    limits = current_app.extensions["safechat"]["limits"]
    client = limits["client"]
    over = not client.allow(client.key_for_address(request.remote_addr))
    if connection is not None and not over:
        over = not limits["connection"].allow(connection)
    if over:
        return engine().problem_for("rate_limited", engine().locale_for(raw)), False
    result, ok = engine().act(raw)
    if ok and _moves(raw):
        current_app.extensions["safechat"]["counters"].add(result["flow"], result["state"])
    return result, ok


def _moves(raw: dict[str, Any]) -> bool:
    return bool(raw.get("choose") or raw.get("say") or raw.get("start") or not raw.get("token"))
