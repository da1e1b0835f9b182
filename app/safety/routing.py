"""Free-text routing: which flow does a typed message most likely want?

Each flow carries example phrases (data, owned by the flow authors). A
message is scored against every flow by two measures, averaged, both 0-100:

- fuzzy: the best rapidfuzz token_set_ratio between the message and one of
  the flow's examples (catches near-paraphrases and word order changes);
- keywords: the share of the message's informative words (weighted by how
  few flows use them, IDF-style) that occur in the flow's examples, each
  word fuzzily mapped onto the examples' vocabulary so "blackmale" counts as
  "blackmail".

Measured on tests/data/routing.tsv (bench/bench_safety.py): token_set_ratio
alone ~78% top-1, WRatio ~26%, keywords alone ~87%, the 50/50 mix ~91%.

A router may also hold the routing model (model.ClassModel), fitted on the
same examples: it learns which words and parts of words say which
conversation, and reads Welsh with English glosses added (welsh.gloss), so
the many English examples help with Welsh. Then a flow's score is half the
keyword measure above and half the model's probability (×100; the fuzzy
measure added nothing beside the model), and a flow is started at once only
when the model itself gives it START_AT or more.
By 5-fold cross-validation of `route` as the app calls it (4,800 first
messages, English and Welsh, after fourteen blind-written sets were added)
the right flow comes first for 95.0% of English and 93.3% of Welsh ones.
Blind sets measured once before they were added went from 78-87% (English)
and 76-85% (Welsh) on the router of the session before to 89-97% and
93-96%: the over-18s' conversation had not been routable at all, and an
"I" or "my" in a parent's message had leant the ranking towards young
people's conversations (see `route`).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from rapidfuzz import fuzz, process

from app import strict_yaml
from app.engine import Route
from app.safety.model import ClassModel, cached, fit_classes_elsewhere
from app.safety.text import normalise, squeeze_pattern
from app.safety.welsh import gloss

PERSPECTIVE_FILE = Path(__file__).with_name("perspective.yaml")

# Confident only if the best flow scores at least THRESHOLD and beats the
# runner-up by MARGIN (both on the 0-100 scale). Tuned on routing.tsv: see
# the report in bench/bench_safety.py.
THRESHOLD = 45.0
MARGIN = 8.0
# A preferred audience (the user already said "I'm a parent") adds this much.
# Just above MARGIN, so a cross-audience tie resolves confidently to the
# hinted audience; a lead of more than this over it still wins.
HINT_BONUS = 10.0
# With the model: start a flow at once only when the model gives it this
# probability (and the blend ranks it first). Chosen by cross-validation on
# 1,853 examples: a wrong flow started for 0.8% of messages (1.8% at 0.7).
# On 4,800 later: 73% of English and 71% of Welsh first messages started at
# once, 0.4% and 1.0% wrongly.
START_AT = 0.85
_WORD_MATCH = 80  # rapidfuzz ratio for "same word, misspelt"
_MIN_FUZZY_WORD = 4  # shorter words must match exactly ("son" is not "so")

# Words that say nothing about which flow is meant.
_STOP = frozenset(
    normalise(w)
    for w in (
        "i im me my a an the to and or of is it in on for this that be do what how "
        "if he she they someone his her their was are has have got get with at so "
        "about now just you your can "
        # filler that carries no topic: "pls help", "i need help", "idk"
        "help please pls plz need know yes ok okay hi hello hey idk um"
    ).split()
)
# One informative word ("help", "sextortion") is too little to jump into a
# flow without asking: token_set_ratio gives 100 to any word contained in an
# example.
_MIN_WORDS_CONFIDENT = 2


def _words(norm: str) -> list[str]:
    """The informative words of normalised text."""
    return [w for w in norm.split() if w not in _STOP]


class Router:
    """`examples`: flow id → example phrases; `audiences`: flow id → the
    audience the flow declares (youth, parents, schools)."""

    def __init__(
        self,
        examples: Mapping[str, Sequence[str]],
        audiences: Mapping[str, str],
        model: ClassModel | None = None,
        start_at: float = START_AT,
        min_words: int = _MIN_WORDS_CONFIDENT,
    ) -> None:
        self.model = model
        self.start_at = start_at
        self.min_words = min_words
        self.flows = [f for f, phrases in examples.items() if phrases]
        self.audience = {f: audiences[f] for f in self.flows}
        self._examples = {f: [normalise(p) for p in examples[f]] for f in self.flows}
        self._vocab = {f: {w for p in self._examples[f] for w in _words(p)} for f in self.flows}
        df = Counter(w for f in self.flows for w in self._vocab[f])
        n = len(self.flows)
        self._idf = {w: math.log(1 + n / c) for w, c in df.items()}
        self._unknown_idf = math.log(1 + n)  # a word no flow uses
        # Sorted: set order varies with the hash seed, and ties in the fuzzy word
        # match must not route the same words differently in two processes.
        self._known = sorted(self._idf)

    def _closest_word(self, word: str) -> tuple[str, float] | None:
        if word in self._idf:
            return word, 1.0
        if len(word) < _MIN_FUZZY_WORD:
            return None
        hit = process.extractOne(word, self._known, scorer=fuzz.ratio, score_cutoff=_WORD_MATCH)
        return (hit[0], hit[1] / 100) if hit else None

    def _keyword_scores(self, words: list[str]) -> dict[str, float]:
        scores = dict.fromkeys(self.flows, 0.0)
        total = 0.0
        for word in words:
            match = self._closest_word(word)
            if match is None:
                total += self._unknown_idf
                continue
            known, similarity = match
            total += self._idf[known]
            for f in self.flows:
                if known in self._vocab[f]:
                    scores[f] += self._idf[known] * similarity
        return {f: 100 * s / total for f, s in scores.items()} if total else scores

    @classmethod
    def learning(
        cls,
        examples: Mapping[str, Sequence[str]],
        audiences: Mapping[str, str],
        name: str = "routing",
        start_at: float = START_AT,
        min_words: int = _MIN_WORDS_CONFIDENT,
    ) -> Router:
        """A router with the routing model fitted on its examples (kept under
        `name` in the model cache)."""
        if sum(1 for phrases in examples.values() if phrases) < 2:
            return cls(examples, audiences, None, start_at, min_words)  # one answer only: nothing to learn
        labelled = [(_model_text(normalise(p)), flow) for flow, phrases in examples.items() for p in phrases]
        inputs = [f"{flow}\t{text}" for text, flow in labelled]
        model = ClassModel(cached(name, inputs, lambda: fit_classes_elsewhere(labelled)))
        return cls(examples, audiences, model, start_at, min_words)

    def rank(self, text: str, audience_filter: str | None = None) -> list[tuple[str, float]]:
        """All flows (or those of one audience) with scores 0-100, best first."""
        return self._rank(normalise(text or ""), self._probabilities(normalise(text or "")), audience_filter)

    def _probabilities(self, norm: str) -> dict[str, float]:
        """The model's P(flow) for each flow; empty without a model."""
        return self.model.probabilities(_model_text(norm)) if self.model is not None and norm else {}

    def _rank(
        self, norm: str, probability: Mapping[str, float], audience_filter: str | None = None
    ) -> list[tuple[str, float]]:
        flows = [f for f in self.flows if audience_filter in (None, self.audience[f])]
        words = _words(norm)
        if not words:
            return [(f, 0.0) for f in flows]
        keyword = self._keyword_scores(words)
        if probability:
            # With the model, the fuzzy phrase match adds nothing measurable
            # (cross-validated top-1 the same to a message) and costs ~5 ms.
            scored = [(f, 0.5 * keyword[f] + 50 * probability.get(f, 0.0)) for f in flows]
        else:
            scored = [
                (f, 0.5 * max(fuzz.token_set_ratio(norm, p) for p in self._examples[f]) + 0.5 * keyword[f])
                for f in flows
            ]
        # sorted() is stable: ties keep the examples' order.
        return sorted(scored, key=lambda fs: fs[1], reverse=True)

    def perspective(self, text: str) -> str | None:
        """The audience ('parents', 'schools', 'youth') the words show is writing."""
        return _perspective_of(normalise(text or ""))

    def route(self, text: str, hint: str | None = None) -> Route:
        """A flow to start when the match is confident, else three choices.
        `hint`: the audience the person chose, if they chose one."""
        norm = normalise(text or "")  # once: the steps below all read the same words
        said = _perspective_of(norm)
        probability = self._probabilities(norm)
        ranked = self._rank(norm, probability)
        if hint == "youth":
            # A young person is offered only the young people's conversations,
            # unless their words say they are someone else ("my son", "a
            # pupil"). (An adult who chose "parent" may still be a young person
            # who tapped the wrong button: for them the hint only leans.)
            allowed = {hint} | ({said} if said and said != "youth" else set())
            ranked = [(f, s) for f, s in ranked if self.audience[f] in allowed]
        # Only an audience the person chose leans the ranking. Their words'
        # perspective used to lean it too, but its "young person" test is any
        # "I" or "my", which parents and staff write as often: by
        # cross-validation on 2,800 first messages, leaning on it put the
        # right flow first for 88.5% (English) and 86.1% (Welsh), against
        # 93.2% and 90.6% without it (flows started at once, and wrongly,
        # the same).
        informative = len(_words(norm))
        if hint:
            ranked = sorted(
                ((f, s + (HINT_BONUS if self.audience[f] == hint and s > 0 else 0.0)) for f, s in ranked),
                key=lambda fs: fs[1],
                reverse=True,
            )
        choices = [f for f, _ in ranked[:3]]
        if not ranked:
            return Route(None, tuple(choices))
        top = ranked[0][1]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if probability:
            # The model must itself be sure of the flow the blend ranks first.
            confident = probability.get(ranked[0][0], 0.0) >= self.start_at
        else:
            confident = top >= THRESHOLD and top - second >= MARGIN
        confident = confident and informative >= self.min_words
        if hint and not confident:
            # Unclear words: offer the flows of the audience the person already chose.
            own = [f for f, _ in ranked if self.audience[f] == hint]
            choices = (own + [f for f in choices if f not in own])[:3]
        return Route(ranked[0][0] if confident else None, tuple(choices))


# "im 30", "dwin 19", "45 ydw i", "18yo", "20m": the writer's age. The model
# cannot learn that 33 is an adult from examples that said 30 and 45, so an
# age becomes one of two words it can learn: an adult's own images
# (adult_help) were the flow most often mistaken for a young person's in
# cross-validation. An age said of someone else ("my 14 year old") gets its
# own pair of words, learnt beside "my son".
_OWN_AGE = re.compile(
    r"\b(?:im|i am|iam|aged|dwin|dw in|dwi n|rwyn|rydw in|win|fin)\s+(\d{1,2})\b"
    r"|\b(\d{1,2})\s*(?:ydw i|dw i|ydwi|m|f|male|female)\b"
)
_ANY_AGE = re.compile(r"\b(\d{1,2})\s?(?:yo|y o|year old|years old|yr old|yrs old|oed|mlwydd oed|mlwydd)\b")
_YOUNGEST, _ADULT = 8, 18


def _model_text(norm: str) -> str:
    """What the routing model reads: the normalised words, English glosses of
    the Welsh ones, and words for any age said."""
    marks = [
        ("ageofwriteradult" if int(age) >= _ADULT else "ageofwriterchild")
        for m in _OWN_AGE.finditer(norm)
        if _YOUNGEST <= int(age := m.group(1) or m.group(2))
    ] + [
        ("ageadult" if int(m.group(1)) >= _ADULT else "agechild")
        for m in _ANY_AGE.finditer(norm)
        if _YOUNGEST <= int(m.group(1))
    ]
    return " ".join([gloss(norm), *marks])


def _perspective_of(norm: str) -> str | None:
    for audience_name, pattern in _perspective_patterns().items():
        if pattern.search(norm):
            return audience_name
    return None


@functools.cache
def _perspective_patterns() -> dict[str, re.Pattern[str]]:
    data = strict_yaml.load(PERSPECTIVE_FILE.read_text(encoding="utf-8"))
    return {name: re.compile(squeeze_pattern(src)) for name, src in data.items()}
