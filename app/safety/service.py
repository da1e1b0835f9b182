"""Joins crisis detection and free-text routing into the engine's Safety.

Routing examples are the ``phrases`` each flow carries, taken from the flows
the engine loaded and checked, so a new flow is routable the moment it is
written (and its phrases teach the crisis model what ordinary looks like).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..engine import Route
from ..engine.engine import Translate
from ..engine.flows import Flow
from ..offload import off_the_event_loop
from .crisis import CrisisDetector, detector_for
from .routing import Router


def router_for(flows: Mapping[str, Flow]) -> Router:
    """A router over the loaded, already-checked flows' example phrases."""
    return Router({f.id: list(f.phrases) for f in flows.values()}, {f.id: f.audience for f in flows.values()})


# Checking an ordinary message takes well under a millisecond; a long one
# (up to 1,000 characters) up to ~10 ms, too long to hold the event loop.
LONG_MESSAGE = 200  # characters


class SafetyService:
    def __init__(self, detector: CrisisDetector, router: Router):
        self.detector = detector
        self.router = router

    @classmethod
    def for_flows(
        cls, flows: Mapping[str, Flow], translate: Translate | None = None, locales: tuple[str, ...] = ()
    ) -> SafetyService:
        """The flows' phrases, and the option labels people tap in every
        language, are ordinary messages to the crisis model too: without
        them it had seen almost no everyday Welsh, and asked "are you safe?"
        of "Diolch yn fawr"."""
        labels = {o.label for f in flows.values() for st in f.states.values() for o in st.options}
        if translate is not None:
            labels |= {translate(locale, label) for locale in locales for label in labels}
        ordinary = tuple(sorted({p for f in flows.values() for p in f.phrases} | labels))
        return cls(detector_for(ordinary), router_for(flows))

    def check(self, text: str) -> str | None:
        """"crisis", "ask" or None: see CrisisDetector.check."""
        if len(text) > LONG_MESSAGE:
            return off_the_event_loop(lambda: self.detector.check(text))
        return self.detector.check(text)

    def route(self, text: str, audience: str | None) -> Route:
        return self.router.route(text, hint=audience)
