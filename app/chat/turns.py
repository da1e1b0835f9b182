"""The one call every transport makes, free of Flask so the socket transport
can take a turn without building a request context for it."""

from __future__ import annotations

import time
from typing import Any

from ..engine import Engine
from ..insights.metrics import Metrics
from ..insights.record import counted
from ..limits import RateLimiter
from ..store import Counters

# Over a rate limit, typed text is still checked for crisis words, at most
# this often per connection (or, over HTTP, per address): a person in crisis
# types at human speed, while a script flooding text gets one costly check
# a second instead of as many as it can send.
CRISIS_CHECKS_OVER_LIMIT = "10/10"


class Turns:
    def __init__(
        self,
        engine: Engine,
        client: RateLimiter,
        connection: RateLimiter,
        counters: Counters,
        metrics: Metrics,
    ):
        self.engine = engine
        self.client = client
        self.connection = connection
        self.counters = counters
        self.metrics = metrics
        self.crisis_checks = RateLimiter(CRISIS_CHECKS_OVER_LIMIT)

    def take(
        self,
        raw: Any,
        address: str | None,
        connection: str | None = None,
        limited: bool = True,
        transport: str = "api",
    ) -> tuple[dict[str, Any], bool]:
        """(Turn, True) or (Problem, False) for a person's action. Rate limits
        apply per client address and, on sockets, per connection, unless
        `limited` is False (a page load: the first page always renders).
        Over a limit, Help now and typed crisis words still get the crisis
        card, never "slow down". Counts the state reached when the person moved
        (or the Help now card, the safety question, an answer to "Did this
        help?": app/insights/record.py): re-showing a step (a reload, a
        reconnect, a language switch) is not a visit. Every action a person
        sends (`limited`: not a page drawn) is also measured for /metrics,
        by `transport` (socket, api or form)."""
        started = time.perf_counter()
        if limited and self._over(address, connection):
            self.metrics.limited()
            crisis = self._crisis_over_limit(raw, connection or self.client.key_for_address(address))
            if crisis is None:
                result = self.engine.problem_for("rate_limited", self.engine.locale_for(raw))
                self.metrics.turn(transport, "rate_limited", time.perf_counter() - started)
                return result, False
            result, ok = crisis, True
        else:
            result, ok = self.engine.act(raw)
        if ok and _moves(raw):
            for flow, state in counted(raw, result):
                self.counters.add(flow, state)
            if "say" in raw and (result["crisis"] or result["safety_check"]):
                self.metrics.crisis_flag(result["locale"])
        if limited:
            self.metrics.turn(transport, "ok" if ok else "problem", time.perf_counter() - started)
        return result, ok

    def _crisis_over_limit(self, raw: Any, key: str) -> dict[str, Any] | None:
        """The crisis card for someone over a limit who asks for help (cheap:
        no text to check) or types crisis words (checked a few times a
        second at most, see CRISIS_CHECKS_OVER_LIMIT); else None."""
        if not isinstance(raw, dict):
            return None
        if raw.get("choose") == "help_now":
            turn, ok = self.engine.act(raw)
            return turn if ok else None
        if "say" in raw and self.crisis_checks.allow(key):
            return self.engine.crisis_turn(raw)
        return None

    def _over(self, address: str | None, connection: str | None) -> bool:
        """Whether this turn is over a limit. The connection's own limit is
        counted first, and a turn it refuses costs the address nothing: one
        socket pipelining thousands of events must not use up the allowance
        of everyone behind the same school or mobile network address."""
        if connection is not None and not self.connection.allow(connection):
            return True
        return not self.client.allow(self.client.key_for_address(address))


def _moves(raw: dict[str, Any]) -> bool:
    return bool(raw.get("choose") or raw.get("say") or raw.get("start") or not raw.get("token"))
