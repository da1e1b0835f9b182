"""Crisis detection: is this typed message a sign someone is in danger now?

Every free-text message is checked before anything else. The patterns are
data (crisis.yaml beside this file, with comments on each group and on the
borderline decisions); this module loads, normalises and matches them, and
asks the crisis model (model.py) about any message they let through. No
network: it must be fast, predictable and reviewable; the model is fitted
from reviewable examples at start-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz

from app.safety.model import CrisisModel, read_examples
from app.safety.text import normalise, squeeze_pattern

DEFAULT_PATH = Path(__file__).with_name("crisis.yaml")
_DEF_REF = re.compile(r"<(\w+)>")
_FUZZY_MIN_LEN = 5  # shorter words collide too easily ("sucks" vs "sui...")
_WORD = re.compile(r"\S+")  # normalised text is words separated by single spaces
_SENTENCE_END = re.compile(r"[.!?;\n]+")


@dataclass(frozen=True)
class _Group:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    exceptions: tuple[re.Pattern[str], ...]
    fuzzy: tuple[str, ...] = field(default=())

    def hit(self, text: str, fuzzy_min: float) -> bool:
        excused = [m.span() for rx in self.exceptions for m in rx.finditer(text)]

        def is_excused(start: int, end: int) -> bool:
            # An idiom or negation excuses only what overlaps it, so a second,
            # separate phrase in the same message still counts.
            return any(start < b and a < end for a, b in excused)

        for rx in self.patterns:
            for m in rx.finditer(text):
                if not is_excused(*m.span()):
                    return True
        if not self.fuzzy:
            return False
        for m in _WORD.finditer(text):
            word = m[0]
            if len(word) >= _FUZZY_MIN_LEN and not is_excused(*m.span()):
                if any(fuzz.ratio(word, target) >= fuzzy_min for target in self.fuzzy):
                    return True
        return False


def _compile(source: str, defs: dict[str, str]) -> re.Pattern[str]:
    expanded = _DEF_REF.sub(lambda m: defs.get(m.group(1), m.group(0)), source)
    # Squeezed like the text; whole words only; folded YAML may add spaces
    # after "|" so strip whitespace around alternatives in the defs.
    return re.compile(r"(?<!\w)(?:" + squeeze_pattern(expanded) + r")(?!\w)")


class CrisisDetector:
    """Matches normalised text against named groups of crisis patterns, then
    (if given) the model: its name is "model" in `matches`."""

    def __init__(self, config: dict[str, Any], model: CrisisModel | None = None) -> None:
        self.model = model
        defs = {
            name: re.sub(r"\s*\|\s*", "|", str(value).strip())
            for name, value in (config.get("defs") or {}).items()
        }
        self.fuzzy_min = float(config.get("fuzzy_min", 85))
        groups = []
        for name, spec in config["groups"].items():
            regexes = [str(r) for r in spec.get("regex") or []]
            regexes += [re.escape(normalise(str(p))) for p in spec.get("phrases") or []]
            groups.append(
                _Group(
                    name=name,
                    patterns=tuple(_compile(r, defs) for r in regexes),
                    exceptions=tuple(_compile(str(r), defs) for r in spec.get("except") or []),
                    fuzzy=tuple(normalise(str(w)) for w in spec.get("fuzzy") or []),
                )
            )
        self.groups: tuple[_Group, ...] = tuple(groups)

    @classmethod
    def from_file(cls, path: str | Path, model: CrisisModel | None = None) -> CrisisDetector:
        with open(path, encoding="utf-8") as f:
            return cls(yaml.safe_load(f), model)

    def matches(self, text: str) -> list[str]:
        """Names of the pattern groups that fire (for debugging and tests)."""
        norm = normalise(text or "")
        if not norm:
            return []
        # Normalising drops punctuation, so an idiom or negation could excuse
        # words from the next sentence ("im not. suicidal for weeks"): each
        # sentence is checked on its own as well as the whole message.
        units = [norm]
        sentences = [s for s in (normalise(part) for part in _SENTENCE_END.split(text)) if s]
        if len(sentences) > 1:
            units += sentences
        hits = [g.name for g in self.groups if any(g.hit(unit, self.fuzzy_min) for unit in units)]
        if not hits and self.model is not None and self.model.flags(norm):
            hits.append("model")
        return hits

    def is_crisis(self, text: str) -> bool:
        return bool(self.matches(text))


@lru_cache(maxsize=4)
def detector_for(ordinary: tuple[str, ...] = ()) -> CrisisDetector:
    """The bundled patterns, and the model fitted on the bundled examples with
    `ordinary` (the flows' routing phrases) as more ordinary messages. Built
    once for each set of phrases."""
    crisis, examples_ok = read_examples()
    model = CrisisModel.fitted(
        [normalise(t) for t in crisis], [normalise(t) for t in (*examples_ok, *ordinary)]
    )
    return CrisisDetector.from_file(DEFAULT_PATH, model)


def default() -> CrisisDetector:
    """Patterns and model from the bundled files alone."""
    return detector_for()
