"""Operational metrics for Prometheus (/metrics), one registry per app.

Every series carries a `process` label (SAFECHAT_PROCESS_NAME, by default
host:port): in a cluster Prometheus scrapes each process on its own port
and sums them (README, Operator's guide). Simpler to run than the
library's multiprocess mode, which needs a shared folder of memory-mapped
files and clean-up when a process dies.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

# No `_created` series beside every counter: a timestamp per series that
# Prometheus does not need (it sees resets itself), and half the output.
disable_created_metrics()

# A turn is ~1 ms without typed text and up to ~20 ms with the checks on a
# long message (README, Performance); the top buckets catch a stalled process.
TURN_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
TRANSPORTS = ("socket", "api", "form")
OUTCOMES = ("ok", "problem", "rate_limited")


class Metrics:
    def __init__(self, process: str):
        self.process = process
        self.registry = CollectorRegistry(auto_describe=True)
        r, p = self.registry, ("process",)
        self.turns = Counter(
            "safechat_turns",
            "Actions people sent, by transport and outcome (ok, problem, rate_limited)",
            ("transport", "outcome", *p),
            registry=r,
        )
        self.turn_seconds = Histogram(
            "safechat_turn_seconds", "Time to answer one action", p, buckets=TURN_BUCKETS, registry=r
        )
        self.open_sockets = Gauge(
            "safechat_open_sockets", "Socket.IO chat connections open now", p, registry=r
        )
        self.crisis_flags = Counter(
            "safechat_crisis_flags",
            "Typed messages that brought the Help now card or the safety question",
            ("language", *p),
            registry=r,
        )
        self.rate_limited = Counter(
            "safechat_rate_limited", "Actions and hash-report requests over a rate limit", p, registry=r
        )
        self.hash_reports = Counter("safechat_hash_reports", "Hash reports made", p, registry=r)
        # Every series from the start, at 0, so a rate is defined from the first scrape.
        for transport in TRANSPORTS:
            for outcome in OUTCOMES:
                self.turns.labels(transport, outcome, process)
        for metric in (self.turn_seconds, self.open_sockets, self.rate_limited, self.hash_reports):
            metric.labels(process)

    def turn(self, transport: str, outcome: str, seconds: float) -> None:
        self.turns.labels(transport, outcome, self.process).inc()
        self.turn_seconds.labels(self.process).observe(seconds)

    def crisis_flag(self, language: str) -> None:
        self.crisis_flags.labels(language, self.process).inc()

    def limited(self) -> None:
        self.rate_limited.labels(self.process).inc()

    def hash_report(self) -> None:
        self.hash_reports.labels(self.process).inc()

    def socket_opened(self) -> None:
        self.open_sockets.labels(self.process).inc()

    def socket_closed(self) -> None:
        self.open_sockets.labels(self.process).dec()

    def exposition(self) -> bytes:
        """The Prometheus text format."""
        return generate_latest(self.registry)
