"""Joins crisis detection and free-text routing into the engine's Safety.

Routing examples are the ``phrases`` each flow carries, taken from the flows
the engine loaded and checked, so a new flow is routable the moment it is
written (and its phrases teach the crisis model what ordinary looks like).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..engine import Route
from ..engine.flows import Flow
from .crisis import CrisisDetector, detector_for
from .routing import Router


def router_for(flows: Mapping[str, Flow]) -> Router:
    """A router over the loaded, already-checked flows' example phrases."""
    return Router({f.id: list(f.phrases) for f in flows.values()}, {f.id: f.audience for f in flows.values()})


class SafetyService:
    def __init__(self, detector: CrisisDetector, router: Router):
        self.detector = detector
        self.router = router

    @classmethod
    def for_flows(cls, flows: Mapping[str, Flow]) -> SafetyService:
        # The flows' phrases are ordinary messages to the crisis model too.
        phrases = tuple(sorted({p for f in flows.values() for p in f.phrases}))
        return cls(detector_for(phrases), router_for(flows))

    def check(self, text: str) -> str | None:
        """"crisis", "ask" or None: see CrisisDetector.check."""
        return self.detector.check(text)

    def route(self, text: str, audience: str | None) -> Route:
        return self.router.route(text, hint=audience)
