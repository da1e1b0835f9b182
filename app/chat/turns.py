"""The one call every transport makes, free of Flask so the socket transport
can take a turn without building a request context for it."""

from __future__ import annotations

from typing import Any

from ..engine import Engine
from ..limits import RateLimiter
from ..store import Counters


class Turns:
    def __init__(self, engine: Engine, client: RateLimiter, connection: RateLimiter, counters: Counters):
        self.engine = engine
        self.client = client
        self.connection = connection
        self.counters = counters

    def take(
        self, raw: Any, address: str | None, connection: str | None = None
    ) -> tuple[dict[str, Any], bool]:
        """(Turn, True) or (Problem, False) for a person's action. Rate limits
        apply per client address and, on sockets, per connection. Counts the
        state reached when the person moved: re-showing a step (a reload, a
        reconnect, a language switch) is not a visit."""
        over = not self.client.allow(self.client.key_for_address(address))
        if connection is not None and not over:
            over = not self.connection.allow(connection)
        if over:
            return self.engine.problem_for("rate_limited", self.engine.locale_for(raw)), False
        result, ok = self.engine.act(raw)
        if ok and _moves(raw):
            self.counters.add(result["flow"], result["state"])
        return result, ok


def _moves(raw: dict[str, Any]) -> bool:
    return bool(raw.get("choose") or raw.get("say") or raw.get("start") or not raw.get("token"))
