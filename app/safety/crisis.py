"""Crisis detection: is this typed message a sign someone is in danger now?

Every free-text message is checked before anything else. The patterns are
data (crisis.yaml beside this file, with comments on each group and on the
borderline decisions); this module loads, normalises and matches them, asks
the crisis model (model.py) about every message, and decides between the
crisis card, the safety question and nothing (`_decide`). No network: it
must be fast, predictable and reviewable; the model is fitted from
reviewable examples at start-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from app import strict_yaml
from app.engine.actions import MAX_SAY_NORMALISED
from app.safety.model import CrisisModel, Example, Tables, cached, fit_elsewhere, read_examples
from app.safety.text import normalise, squeeze_pattern

DEFAULT_PATH = Path(__file__).with_name("crisis.yaml")
_DEF_REF = re.compile(r"<(\w+)>")
_FUZZY_MIN_LEN = 5  # shorter words collide too easily ("sucks" vs "sui...")
_WORD = re.compile(r"\S+")  # normalised text is words separated by single spaces
_SENTENCE_END = re.compile(r"[.!?;\n]+")


CARD = "crisis"  # show the crisis card (urgent help)
ASK = "ask"  # ask directly whether they are safe


@dataclass(frozen=True)
class Assessment:
    level: str | None  # CARD, ASK or None
    groups: tuple[str, ...]  # pattern groups that fired
    probability: float | None  # the model's, for the whole message


@dataclass(frozen=True)
class _Group:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    exceptions: tuple[re.Pattern[str], ...]
    fuzzy: tuple[str, ...] = field(default=())
    level: str = CARD  # what a hit means on its own: CARD, or ASK for ambiguous words

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


def _level(group: str, given: Any) -> str:
    if given not in ("card", "ask"):
        raise ValueError(f"crisis.yaml: group {group!r}: level must be 'card' or 'ask', not {given!r}")
    return CARD if given == "card" else ASK


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
                    level=_level(name, spec.get("level", "card")),
                )
            )
        self.groups: tuple[_Group, ...] = tuple(groups)
        self.levels = {g.name: g.level for g in self.groups}

    @classmethod
    def from_file(cls, path: str | Path, model: CrisisModel | None = None) -> CrisisDetector:
        with open(path, encoding="utf-8") as f:
            return cls(strict_yaml.load(f), model)

    def units(self, text: str) -> list[str]:
        """The normalised message, then each of its sentences if it has
        several: a negation in one sentence must not excuse the next, and a
        danger sentence in a long story must not be diluted by the rest."""
        # Typed text is already bounded after normalising (app.engine.actions);
        # this cut keeps any other caller (a bench, a test) just as cheap.
        text = (text or "")[:MAX_SAY_NORMALISED]
        norm = normalise(text)[:MAX_SAY_NORMALISED]
        if not norm:
            return []
        sentences = [s for s in (normalise(part) for part in _SENTENCE_END.split(text)) if s]
        return [norm, *sentences] if len(sentences) > 1 else [norm]

    def examples(self, texts: Iterable[str]) -> list[Example]:
        """What the model learns from each message: its normalised text and
        the pattern groups that fire on it."""
        return [(normalise(t), list(self.groups_hit(t))) for t in texts]

    def harmless(self, texts: Iterable[str]) -> list[Example]:
        """`examples` of the texts no pattern flags: the flows' phrases and
        labels the model may learn as ordinary ("Someone seems at risk of
        harm" is an option label, but not a message to learn as harmless)."""
        return [e for e in self.examples(texts) if not e[1]]

    def groups_hit(self, text: str) -> tuple[str, ...]:
        """The pattern groups that fire on a message or any of its sentences."""
        return self._hits(self.units(text))

    def _hits(self, units: list[str]) -> tuple[str, ...]:
        return tuple(g.name for g in self.groups if any(g.hit(unit, self.fuzzy_min) for unit in units))

    def assess(self, text: str) -> Assessment:
        units = self.units(text)
        if not units:
            return Assessment(None, (), None)
        hits = self._hits(units)
        # The model reads the whole message: cross-validation scored it
        # better than taking its riskiest sentence (which the patterns do).
        p = self.model.probability(units[0], hits) if self.model is not None else None
        words = len(units[0].split())
        return Assessment(_decide(hits, self.levels, p, self.model, words), hits, p)

    def matches(self, text: str) -> list[str]:
        """Names of the pattern groups that fire, and "model" when only the
        model does (for debugging and tests)."""
        a = self.assess(text)
        return list(a.groups) or (["model"] if a.level else [])

    def check(self, text: str) -> str | None:
        """CARD (show urgent help), ASK (ask whether they are safe) or None."""
        return self.assess(text).level

    def is_crisis(self, text: str) -> bool:
        """Would this message get the crisis card or the safety question?"""
        return self.check(text) is not None


def _decide(
    hits: tuple[str, ...],
    levels: dict[str, str],
    p: float | None,
    model: CrisisModel | None,
    words: int = 0,
) -> str | None:
    """Patterns first. A hit in a group of level "card" shows the card
    unless the model (which knows the hit, and has learnt from idioms,
    negations and the past tense) doubts it, when the person is asked
    instead; a hit in an "ask" group asks. Without a hit the model decides:
    card, ask or nothing. How far the model may question a hit depends on
    how much else it had to read (`words` of normalised text: see
    model.SHORT_MESSAGE): in a short message the hit stands as its group
    says; in a long one the model may turn a card into the question, or
    overrule a hit it is almost sure of ("clean from self harm for two
    years now, and someone asked about my scars")."""
    if p is None or model is None:
        if not hits:
            return None
        return CARD if any(levels[h] == CARD for h in hits) else ASK
    short = words < model.short_message
    if hits and not short and p < model.overrule_below:
        hits = ()
    if any(levels[h] == CARD for h in hits):
        return CARD if short or p >= model.hit_card_at else ASK
    if p >= model.card_at:
        return CARD
    if hits or p >= model.ask_at:
        return ASK
    return None


@lru_cache(maxsize=4)
def detector_for(ordinary: tuple[str, ...] = ()) -> CrisisDetector:
    """The bundled patterns, and the model fitted on the bundled examples with
    the `harmless` of `ordinary` (the flows' phrases and option labels) as
    more ordinary messages. Built once for each set of phrases."""
    crisis, examples_ok = read_examples()
    patterns = CrisisDetector.from_file(DEFAULT_PATH)

    def fit() -> Tables:
        ok = patterns.examples(examples_ok) + patterns.harmless(ordinary)
        return fit_elsewhere(patterns.examples(crisis), ok)

    inputs = ["crisis:", *crisis, "ok:", *examples_ok, "ordinary:", *ordinary]
    model = CrisisModel(cached("crisis", inputs, fit))
    patterns.model = model
    return patterns


def default() -> CrisisDetector:
    """Patterns and model from the bundled files alone."""
    return detector_for()
