"""Joins crisis detection and free-text routing into the engine's Safety.

Routing examples are the ``phrases`` each flow file carries, so a new flow is
routable the moment it is written.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..engine import Route
from .crisis import CrisisDetector
from .crisis import default as default_detector
from .routing import Router

AUDIENCE_PREFIX = {"youth": "youth_", "parents": "parent_", "schools": "school_"}


def flow_phrases(flows_dir: Path) -> dict[str, list[str]]:
    """flow id → its example phrases, read straight from the flow files."""
    examples: dict[str, list[str]] = {}
    for path in sorted(flows_dir.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and raw.get("phrases"):
            examples[str(raw.get("id"))] = [str(p) for p in raw["phrases"]]
    return examples


class SafetyService:
    def __init__(self, detector: CrisisDetector, router: Router):
        self.detector = detector
        self.router = router

    @classmethod
    def from_flows_dir(cls, flows_dir: Path) -> SafetyService:
        return cls(default_detector(), Router(flow_phrases(flows_dir)))

    def is_crisis(self, text: str) -> bool:
        return self.detector.is_crisis(text)

    def route(self, text: str, audience: str | None) -> Route:
        result = self.router.route(text, hint=AUDIENCE_PREFIX.get(audience or ""))
        if result.confident and result.flow:
            return Route(result.flow)
        return Route(None, tuple(result.choices))
