"""Joins crisis detection, free-text routing and answers to common
questions into the engine's Safety.

Routing examples are the ``phrases`` each flow carries, taken from the flows
the engine loaded and checked, so a new flow is routable the moment it is
written (and its phrases teach the crisis model what ordinary looks like),
plus people's own wordings in English and Welsh (routing_examples.tsv).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from ..engine import Route
from ..engine.engine import Translate
from ..engine.flows import Flow
from ..offload import off_the_event_loop
from .crisis import CrisisDetector, detector_for
from .model import read_rows
from .routing import Router

ROUTING_EXAMPLES = Path(__file__).with_name("routing_examples.tsv")
QUESTIONS = Path(__file__).with_name("questions.tsv")
NO_QUESTION = "none"  # examples of ordinary messages that ask none of the questions


def ordinary_messages(
    flows: Mapping[str, Flow], translate: Translate | None = None, locales: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The flows' phrases, the option labels people tap in every language,
    and the first messages and questions people typed (routing_examples.tsv,
    questions.tsv: none of them in danger): ordinary messages to the crisis
    model too. Without the labels it had seen almost no everyday Welsh, and
    asked "are you safe?" of "Diolch yn fawr"; without the typed ones, of
    "mae o isio mwy" (he wants more)."""
    labels = {o.label for f in flows.values() for st in f.states.values() for o in st.options}
    if translate is not None:
        labels |= {translate(locale, label) for locale in locales for label in labels}
    typed = {row["text"] for path in (ROUTING_EXAMPLES, QUESTIONS) for row in read_rows(path)}
    return tuple(sorted({p for f in flows.values() for p in f.phrases} | labels | typed))


def router_for(
    flows: Mapping[str, Flow], translate: Translate | None = None, locales: tuple[str, ...] = ()
) -> Router:
    """A router over the loaded, already-checked flows' example phrases and
    titles (in every language: "Mae rhywun yn bygwth rhannu fy lluniau
    noeth" is a Welsh example of the sextortion conversation), and the
    examples in routing_examples.tsv (English and Welsh, as people typed
    them) for the flows that exist."""
    examples = {f.id: [*f.phrases, f.title] for f in flows.values() if f.phrases}
    if translate is not None:
        for f in flows.values():
            if f.id in examples:
                examples[f.id] += sorted({translate(locale, f.title) for locale in locales} - {f.title})
    for row in read_rows(ROUTING_EXAMPLES):
        if row["flow"] in examples:
            examples[row["flow"]].append(row["text"])
    return Router.learning(examples, {f.id: f.audience for f in flows.values()})


def answerers_for(content: Collection[str]) -> dict[str, Router]:
    """For each audience, a router from typed words to the content id of
    the answer to a common question ("youth.questions.already_paid"), with
    ordinary messages as a topic of their own so that they win instead.
    Each learns a model of its own, and answers from ANSWER_AT."""
    by_audience: dict[str, dict[str, list[str]]] = {}
    for row in read_rows(QUESTIONS):
        audience, topic = row["audience"], row["topic"]
        key = NO_QUESTION if topic == NO_QUESTION else f"{audience}.questions.{topic}"
        if key == NO_QUESTION or key in content:
            by_audience.setdefault(audience, {}).setdefault(key, []).append(row["text"])
    return {
        a: Router.learning(topics, dict.fromkeys(topics, a), f"answers-{a}", ANSWER_AT, ANSWER_MIN_WORDS)
        for a, topics in by_audience.items()
    }


# An answer is shown over the step when the question model gives its topic
# this probability. Cross-validated on questions.tsv (5 folds, 1,292
# questions and ordinary messages once seven blind sets were in): at 0.4,
# English 88.3% answered right, 1.4% wrong, 5.2% of ordinary messages
# answered; Welsh 82.7%, 1.7%, 9.6%. At 0.5 with two words (as before):
# 81.6%, 0.7%, 3.2% and 77.6%, 0.7%, 8.1%. Lower than routing's START_AT
# because a wrong answer costs a tap on "Carry on where I was", not a
# conversation.
ANSWER_AT = 0.4
# One informative word is enough for a question ("is this my fault", "im so
# scared": the model was 97-99% sure and they went unanswered), though not
# to start a conversation: by the same CV, English 84.6% -> 88.3% right at
# 0.4, with no more wrong answers.
ANSWER_MIN_WORDS = 1


# Checking an ordinary message takes well under a millisecond; a long one
# (up to 1,000 characters) up to ~10 ms, too long to hold the event loop.
LONG_MESSAGE = 200  # characters


class SafetyService:
    def __init__(
        self, detector: CrisisDetector, router: Router, answerers: Mapping[str, Router] | None = None
    ):
        self.detector = detector
        self.router = router
        self.answerers = answerers or {}

    @classmethod
    def for_flows(
        cls,
        flows: Mapping[str, Flow],
        translate: Translate | None = None,
        locales: tuple[str, ...] = (),
        content: Collection[str] = (),
    ) -> SafetyService:
        """The crisis detector fitted with `ordinary_messages` of these
        flows, the router and the question answerers."""
        return cls(
            detector_for(ordinary_messages(flows, translate, locales)),
            router_for(flows, translate, locales),
            answerers_for(content),
        )

    def check(self, text: str) -> str | None:
        """ "crisis", "ask" or None: see CrisisDetector.check."""
        if len(text) > LONG_MESSAGE:
            return off_the_event_loop(lambda: self.detector.check(text))
        return self.detector.check(text)

    def answer(self, text: str, audience: str) -> str | None:
        """The content id answering a common question the words ask, for this
        audience, when the match is confident; else None."""
        answerer = self.answerers.get(audience)
        found = answerer.route(text).flow if answerer is not None else None
        return None if found in (None, NO_QUESTION) else found

    def route(self, text: str, audience: str | None) -> Route:
        return self.router.route(text, hint=audience)

    def writer(self, text: str) -> str | None:
        """ "parents" when the words show a parent writing ("my son", "fy merch").
        Only parents: the school staff test matches a young person's "my
        teacher" too, and the young person's matches any "I"."""
        return "parents" if self.router.perspective(text) == "parents" else None
