"""The flow engine: one ``transitions`` Machine per flow, built at start-up,
and ``step(token, action) -> Turn``.

Nothing per conversation is kept between turns: each step restores the state
from the signed token onto the flow's one reusable model, fires the option's
trigger, and signs the result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from transitions import Machine

from app import strict_yaml

from .actions import MAX_TOKEN, Action, Problem, parse_action, typed
from .content import ContentError, Message, load_content, render_markdown
from .flows import (
    AUDIENCES,
    FEEDBACK_ANSWERS,
    GLOBAL_ACTIONS,
    HANDOFFS,
    SAFETY_ANSWERS,
    Flow,
    FlowError,
    Option,
    load_flows,
)
from .predicates import PREDICATES, Predicate
from .tokens import Conversation, TokenExpired, TokenInvalid, Tokens


@dataclass(frozen=True)
class Route:
    """What free-text routing decided: a flow to start, or choices to offer."""

    flow: str | None
    choices: tuple[str, ...] = ()


class Safety(Protocol):
    def check(self, text: str) -> str | None:
        """ "crisis" (show urgent help), "ask" (ask whether they are safe) or None."""

    def route(self, text: str, audience: str | None) -> Route: ...

    def answer(self, text: str, audience: str) -> str | None:
        """The content id of the answer to a common question, if the words ask one."""

    def writer(self, text: str) -> str | None:
        """ "parents" when the words show a parent or carer writing ("my son"), else None."""


# Urgent help: "crisis" when Help now was tapped, "heard" when the person's
# own words (or a yes to the safety question) brought it, so the card first
# says it heard them.
CRISIS, HEARD = "crisis", "heard"
# An answer to a question typed mid-conversation: "answer:<content id>",
# shown over the step, which the person keeps ("Carry on where I was").
ANSWER = "answer:"
# The "are you safe?" overlay. A "No" goes back to where they were: going on
# to the flow the words seemed to name was tried, and the router is not to
# be trusted with words of despair ("dwi'n teimlo'n anobeithiol" started the
# unwanted-image flow).
ASK = "ask"
# The same question in the adults' words ("Is anyone in danger right now?"),
# when their words showed a parent writing before they chose who they are.
ASK_ADULTS = "ask:adults"
ADULT_AUDIENCES = ("parents", "schools")


# Translates a label or paragraph for a locale; identity for the source language.
Translate = Callable[[str, str], str]


@dataclass
class Turn:
    token: str
    flow: str
    state: str
    locale: str
    messages: list[dict[str, Any]]
    options: list[dict[str, Any]]
    accepts_text: bool
    crisis: bool
    end: bool
    handoff: dict[str, str] | None = None
    print: str | None = None
    safety_check: bool = False  # the "are you safe?" question is showing
    step: dict[str, int] | None = None  # {"n": 2, "of": 8}: where this state is in its flow's steps
    # "Did this help?": {"question": text, "options": [Yes, A bit, No]} at a
    # flow's end and with the Help now card, until answered; else None.
    feedback: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "flow": self.flow,
            "state": self.state,
            "locale": self.locale,
            "messages": self.messages,
            "options": self.options,
            "accepts_text": self.accepts_text,
            "crisis": self.crisis,
            "end": self.end,
            "handoff": self.handoff,
            "print": self.print,
            "safety_check": self.safety_check,
            "step": self.step,
            "feedback": self.feedback,
        }


class _Model:
    """The one model each flow's machine drives; its state is overwritten per step."""

    state: str


class _FlowMachine:
    def __init__(self, flow: Flow, predicates: Mapping[str, Predicate]):
        self.model = _Model()
        self.lock = threading.Lock()
        transitions = []
        for st in flow.states.values():
            for opt in st.options:
                for br in opt.branches:
                    t: dict[str, Any] = {"trigger": opt.id, "source": st.id, "dest": br.go}
                    if br.when:
                        t["conditions"] = [predicates[br.when]]
                    transitions.append(t)
        self.machine = Machine(
            model=self.model,
            states=list(flow.states),
            transitions=transitions,
            initial=flow.start,
            auto_transitions=False,
            send_event=False,
            model_override=False,
        )

    def fire(self, state: str, trigger: str, answers: Mapping[str, Any]) -> str:
        with self.lock:  # one shared model: a step is ~10 µs, so a lock costs nothing
            self.machine.set_state(state, self.model)
            self.model.trigger(trigger, answers)  # type: ignore[attr-defined]
            return self.model.state


class Engine:
    def __init__(
        self,
        flows_dir: Path,
        content_dir: Path,
        secret: str,
        max_age: int = 86400,
        safety: Safety | None = None,
        locales: tuple[str, ...] = ("en",),
        translate: Translate | None = None,
        predicates: Mapping[str, Predicate] = PREDICATES,
    ):
        self.messages = load_content(content_dir)
        settings = strict_yaml.load((flows_dir / "_global.yaml").read_text(encoding="utf-8"))
        self.flows = load_flows(flows_dir, set(self.messages), predicates)
        self.settings = _check_settings(settings, self.flows, set(self.messages))
        self.predicates = predicates  # also for telling, afterwards, which option was chosen (trail.py)
        self.machines = {fid: _FlowMachine(f, predicates) for fid, f in self.flows.items()}
        # "Step n of N": N is the highest step a flow numbers.
        self.step_totals = {
            fid: max((s.step or 0 for s in f.states.values()), default=0) for fid, f in self.flows.items()
        }
        self.tokens = Tokens(secret, max_age)
        self.safety = safety
        self.locales = locales
        self.translate: Translate = translate or (lambda _locale, s: s)
        self._rendered: dict[tuple[str, str], dict[str, Any]] = {}

    # -- the public entry points -------------------------------------------------

    def act(self, raw: Any) -> tuple[dict[str, Any], bool]:
        """A raw client action → (Turn dict, True) or (Problem dict, False).
        Transports call this and nothing else."""
        try:
            return self._act(raw).as_dict(), True
        except Problem as p:
            return self.problem(p, self.locale_for(raw, p)), False

    def show(
        self, token: str, fallback_locale: str | None = None
    ) -> tuple[dict[str, Any], Conversation | None]:
        """The step a token is at, shown again (a page load), with the
        conversation the token was read as, for the page to draw the
        conversation so far from: a page reads its token once. (Problem,
        None) if the token can't be used, explained in the token's language
        if it still says one, else `fallback_locale`; that language is the
        problem's "locale", for the fresh conversation to start in."""
        try:
            if len(token) > MAX_TOKEN:
                raise Problem("bad_token", restart=True)
            c = self._conversation(token)
        except Problem as p:
            locale = p.locale or self._known(fallback_locale) or self.locales[0]
            return {**self.problem(p, locale), "locale": locale}, None
        return self.turn(c).as_dict(), c

    def step(self, token: str | None, action: Mapping[str, Any]) -> Turn:
        return self._act({**action, "token": token})

    def _act(self, raw: Any) -> Turn:
        # Typed words are checked for danger before anything else about the
        # action is: an expired or stale token, an unknown language or a
        # malformed action must never stand between them and the crisis card.
        danger = self._danger(raw)
        if danger is not None:
            return danger
        return self._step_action(parse_action(raw))

    def locale_for(self, raw: Any, problem: Problem | None = None) -> str:
        """The language to explain a problem in: the one asked for, else the
        conversation's own (the problem's, if reading the token told it, else
        read from the token), else the source language."""
        if not isinstance(raw, dict):
            return self.locales[0]
        asked = raw.get("locale")
        if isinstance(asked, str) and asked in self.locales:
            return asked
        if problem is not None and (problem.locale is not None or problem.restart):
            return problem.locale or self.locales[0]  # the token was read, and said what it could
        return self._where(raw.get("token"))[1]

    def _where(self, token: Any) -> tuple[Conversation | None, str]:
        """What a token still says: its conversation if it can go on (else
        None), and its language, also from a token too old to go on with
        (else the source language)."""
        try:
            c = self._conversation(token if isinstance(token, str) and len(token) <= MAX_TOKEN else None)
        except Problem as p:
            return None, p.locale or self.locales[0]
        return c, c.locale

    def _step_action(self, a: Action) -> Turn:
        """Only ever after `_danger` has seen the typed words (see `_act`)."""
        locale = self._locale(a.locale)
        if a.start is not None or (a.token is None and a.choose is None and a.say is None):
            return self._begin(a.start or self.settings["start"], locale or self.locales[0])
        try:
            c = self._conversation(a.token)
        except Problem:
            # "Start again" needs nothing from the old conversation; typing is a fine way to begin.
            fresh = self._new(self.settings["start"], locale or self.locales[0])
            if a.choose == "start_again":
                return self.turn(fresh)
            if a.token is None and a.say is not None:
                return self._say(fresh, a.say)
            raise
        if locale:
            c = c._replace(locale=locale)
        try:
            if a.say is not None:
                return self._say(c, a.say)
            if a.choose is None:
                return self.turn(c)  # just "where am I?": used when a client reconnects
            return self._choose(c, a.choose)
        except Problem as p:  # explained in the conversation's language, without reading the token again
            p.locale = p.locale or c.locale
            raise

    def _conversation(self, token: str | None) -> Conversation:
        if token is None:
            raise Problem("no_token", restart=True)
        try:
            c = self.tokens.load(token)
        except TokenExpired as exc:  # too old to go on with, but its language is still theirs
            raise Problem("expired_token", restart=True, locale=self._known(exc.locale)) from exc
        except TokenInvalid as exc:
            raise Problem("bad_token", restart=True) from exc
        if not self._still_exists(c):  # a flow changed since this token was signed
            raise Problem("bad_token", restart=True, locale=self._known(c.locale))
        return c

    def _known(self, locale: str | None) -> str | None:
        return locale if locale in self.locales else None

    def _still_exists(self, c: Conversation) -> bool:
        """Whether everything a signed token names is still here: its state,
        every step "back" can go to, the flows it suggested and its language
        (a deploy may have renamed any of them since it was signed)."""
        states = [(c.flow, c.state), *c.history]
        suggested = c.overlay if isinstance(c.overlay, tuple) else ()
        return (
            all(f in self.flows and s in self.flows[f].states for f, s in states)
            and all(f in self.flows for f in suggested)
            and (
                c.overlay in (None, CRISIS, HEARD, suggested)
                or _asking(c)
                or (_answering(c) and str(c.overlay)[len(ANSWER) :] in self.messages)
            )
            and c.locale in self.locales
        )

    def crisis_turn(self, raw: Any) -> dict[str, Any] | None:
        """The crisis card (or the safety question) if `raw` holds typed words
        that may mean danger, else None. Over a rate limit, typed crisis words
        are still answered: the check comes before the refusal
        (app/chat/turns.py)."""
        turn = self._danger(raw)
        return turn.as_dict() if turn is not None else None

    def _danger(self, raw: Any) -> Turn | None:
        """The crisis card (HEARD) or the safety question (ASK) when the words
        typed in `raw` may mean danger; None when they do not, or when nothing
        was typed. The one check of typed words, made first for every action
        (`_act`) and for actions over a rate limit (`crisis_turn`), whatever
        else is wrong with them. The card goes over the person's conversation
        if its token can still be used, else over a fresh one in their
        language: an expired token's language is still theirs."""
        text = typed(raw)
        if text is None or self.safety is None:
            return None
        level = self.safety.check(text)
        if level is None:
            return None
        c, locale = self._where(raw.get("token"))
        if c is None:
            c = self._new(self.settings["start"], locale)
        asked = raw.get("locale")
        if isinstance(asked, str) and asked in self.locales:
            c = c._replace(locale=asked)
        if level == "crisis":
            return self.turn(c._replace(steps=c.steps + 1, overlay=HEARD))
        return self.turn(c._replace(steps=c.steps + 1, overlay=self._question_for(c, text, self.safety)))

    def _question_for(self, c: Conversation, text: str, safety: Safety) -> str:
        """ASK, or ASK_ADULTS when a parent who has not yet said who they are
        wrote the words ("my son won't come out of his room"): asking them
        whether they will hurt themselves would tell them they were not heard."""
        if self._audience(c) != "welcome":  # they said who they are: the turn words the question for them
            return ASK
        # (once asked in the adults' words, asked again in them)
        return ASK_ADULTS if c.overlay == ASK_ADULTS or safety.writer(text) == "parents" else ASK

    def problem(self, p: Problem, locale: str = "en") -> dict[str, Any]:
        return self.problem_for(p.code, locale, p.restart)

    def problem_for(self, code: str, locale: str = "en", restart: bool = False) -> dict[str, Any]:
        msg = self.messages.get(f"common.problems.{code}") or self.messages["common.problems.bad_request"]
        err: dict[str, Any] = {"code": code, "message": self.render(msg, locale)["text"]}
        if restart:
            err["options"] = [self._global_option("start_again", locale)]
        return {"error": err}

    # -- steps ---------------------------------------------------------------------

    def _locale(self, locale: str | None) -> str | None:
        if locale is not None and locale not in self.locales:
            raise Problem("unknown_locale")
        return locale

    def _new(self, flow_id: str, locale: str) -> Conversation:
        if flow_id not in self.flows:
            raise Problem("unknown_flow")
        return Conversation(flow_id, self.flows[flow_id].start, locale)

    def _begin(self, flow_id: str, locale: str) -> Turn:
        return self.turn(self._new(flow_id, locale))

    def _choose(self, c: Conversation, choice: str) -> Turn:
        if all(oid != choice for oid, _ in self._offered(c)):
            raise Problem("unknown_option")
        c = c._replace(steps=c.steps + 1)
        if choice == "help_now":
            return self.turn(c._replace(overlay=CRISIS))
        if choice in ("resume", "safe_no"):  # a "No" to the safety question: back to the step
            return self.turn(c._replace(overlay=None))
        if choice in ("safe_yes", "safe_unsure"):  # unsure is treated as yes: urgent help
            return self.turn(c._replace(overlay=HEARD))
        if choice in FEEDBACK_ANSWERS:  # the same step, thanked; the answer is counted by Turns
            turn = self.turn(c._replace(rated=True))
            turn.messages = self.thanks(c.locale)
            turn.step = None
            return turn
        if choice == "start_again":
            return self._begin(self.settings["start"], c.locale)
        if choice == "back":
            if c.overlay is not None:
                return self.turn(c._replace(overlay=None))
            (flow, state), hist = c.history[-1], c.history[:-1]
            return self.turn(c._replace(flow=flow, state=state, history=hist))
        if isinstance(c.overlay, tuple):  # a suggested flow after unclear text
            return self.turn(c.moved(choice, self.flows[choice].start, {}))
        opt = self.flows[c.flow].states[c.state].option(choice)
        assert opt is not None  # it was offered, so it exists
        return self.turn(self._follow(c, opt))

    def _follow(self, c: Conversation, opt: Option) -> Conversation:
        if opt.flow is not None:
            return c.moved(opt.flow, self.flows[opt.flow].start, {})
        answers = {**c.answers, **opt.set} if opt.set else c.answers
        state = self.machines[c.flow].fire(c.state, opt.id, answers)
        return c.moved(c.flow, state, answers)

    def _say(self, c: Conversation, text: str) -> Turn:
        if self.safety is None:
            raise Problem("text_not_understood")
        # Words of danger never get here: `_act` has already answered them.
        c = c._replace(steps=c.steps + 1)
        audience = self._audience(c)  # on the menus, who the person said they are
        route = self.safety.route(text, None if audience == "welcome" else audience)
        # Inside a conversation a question is answered where the person is; on
        # the menus, words that name a conversation start it first.
        answer = self.safety.answer(text, audience) if audience != "welcome" else None
        in_menus = self.flows[c.flow].audience == "welcome"
        if answer in self.messages and not (in_menus and route.flow in self.flows):
            return self.turn(c._replace(overlay=ANSWER + answer))
        if route.flow in self.flows:
            return self.turn(c.moved(route.flow, self.flows[route.flow].start, {}))
        choices = tuple(f for f in route.choices if f in self.flows)[:3]
        return self.turn(c._replace(overlay=choices))

    # -- rendering -----------------------------------------------------------------

    def _global_option(self, oid: str, locale: str, adults: bool = False) -> dict[str, Any]:
        adult = adults and oid in SAFETY_ANSWERS
        labels = self.settings["adult_labels" if adult else "labels"]
        return {"id": oid, "label": self.translate(locale, labels[oid]), "global": True}

    def _audience(self, c: Conversation) -> str:
        """Whose conversation this is: its flow's audience, or on the menus
        the audience the person chose ("welcome" until they choose)."""
        audience = self.flows[c.flow].audience
        return str(c.answers.get("audience", audience)) if audience == "welcome" else audience

    def _for_adults(self, c: Conversation) -> bool:
        """Is this a parent's or a school's conversation? Their safety question
        asks whether anyone is in danger, not whether they will hurt themselves.
        On the menus, it is theirs once they said who they are, or when their
        words asked it (ASK_ADULTS)."""
        return self._audience(c) in ADULT_AUDIENCES or c.overlay == ASK_ADULTS

    def _offered(self, c: Conversation) -> list[tuple[str, str | None]]:
        """What a person may choose now, in order: (id, source-language label),
        the label None for the global actions. Choosing checks against this and
        showing translates it, so the two cannot disagree."""
        # "Carry on where I was" only where there is somewhere to carry on to:
        # on the very first screen "Back" (offered below) is the way back.
        resume: list[tuple[str, str | None]] = [("resume", None)] if c.history else []
        if c.overlay in (CRISIS, HEARD):
            offered: list[tuple[str, str | None]] = resume
        elif _asking(c):
            offered = [(oid, None) for oid in SAFETY_ANSWERS]
        elif _answering(c):  # the step is still there to carry on with
            offered = [("resume", None), ("help_now", None)]
        elif isinstance(c.overlay, tuple):  # never a menu without Help now
            offered = [(f, self.flows[f].title) for f in c.overlay] + resume + [("help_now", None)]
        else:
            offered = [(o.id, o.label) for o in self.flows[c.flow].states[c.state].options]
            offered.append(("help_now", None))
        if c.history or c.overlay is not None:
            offered.append(("back", None))
        if c.history:
            offered.append(("start_again", None))
        if self._asks_feedback(c):
            offered += [(oid, None) for oid in FEEDBACK_ANSWERS]
        return offered

    def _asks_feedback(self, c: Conversation) -> bool:
        """ "Did this help?" at a flow's end and with the Help now card, once
        a conversation."""
        if c.rated or "feedback" not in self.settings:
            return False
        return c.overlay in (CRISIS, HEARD) or (c.overlay is None and self.flows[c.flow].states[c.state].end)

    def _options(self, c: Conversation) -> list[dict[str, Any]]:
        return [
            self._global_option(oid, c.locale, self._for_adults(c))
            if label is None
            else {"id": oid, "label": self.translate(c.locale, label)}
            for oid, label in self._offered(c)
        ]

    def _handoff(self, kind: str, locale: str) -> dict[str, str]:
        """The page a state hands off to, in the conversation's language (a page
        of another site, such as Childline's, chooses its own)."""
        url = HANDOFFS[kind]
        if locale != self.locales[0] and url.startswith("/"):
            url = f"{url}?lang={locale}"
        return {"kind": kind, "url": url}

    def thanks(self, locale: str) -> list[dict[str, Any]]:
        """The words that thank someone for answering "Did this help?"."""
        return [self.render(self.messages[i], locale) for i in self.settings["feedback_thanks"]]

    def render(self, msg: Message, locale: str) -> dict[str, Any]:
        """A message in a locale: each Markdown block translated, then rendered.
        Cached, so a turn pays for this once per message and locale."""
        key = (msg.id, locale)
        out = self._rendered.get(key)
        if out is None:
            if locale == self.locales[0]:
                out = msg.as_dict()
            else:
                body = "\n\n".join(self.translate(locale, b) for b in msg.blocks)
                html, text = render_markdown(body, f"{locale} translation of {msg.id}")
                out = {**msg.as_dict(), "html": html, "text": text}
            self._rendered[key] = out
        return out

    def turn(self, c: Conversation) -> Turn:
        st = self.flows[c.flow].states[c.state]
        if c.overlay == CRISIS:
            ids = self.settings["help_now"]
        elif c.overlay == HEARD:  # what they told us is acknowledged first
            ids = [*self.settings["heard"], *self.settings["help_now"]]
        elif _asking(c):
            ids = self.settings["safety_check_adults" if self._for_adults(c) else "safety_check"]
        elif _answering(c):
            ids = [str(c.overlay)[len(ANSWER) :]]
        elif isinstance(c.overlay, tuple):
            # "I can't chat like a person" names the person who can: Childline
            # for a young person, the helpline for parents or for school staff.
            ids = self.settings.get(f"not_sure_{self._audience(c)}") or self.settings["not_sure"]
        else:
            ids = st.say
        plain = c.overlay is None
        options = self._options(c)
        feedback = None
        if self._asks_feedback(c):  # shown apart from the step's own choices, after them
            question = self.settings["feedback"]
            feedback = {
                "question": " ".join(self.render(self.messages[i], c.locale)["text"] for i in question),
                "options": [o for o in options if o["id"] in FEEDBACK_ANSWERS],
            }
            options = [o for o in options if o["id"] not in FEEDBACK_ANSWERS]
        return Turn(
            token=self.tokens.dump(c),
            flow=c.flow,
            state=c.state,
            locale=c.locale,
            messages=[self.render(self.messages[i], c.locale) for i in ids],
            options=options,
            accepts_text=st.accepts_text or not plain,
            crisis=c.overlay in (CRISIS, HEARD),
            end=st.end and plain,
            handoff=self._handoff(st.handoff, c.locale) if st.handoff and plain else None,
            print=st.print if plain else None,
            safety_check=_asking(c),
            step={"n": st.step, "of": self.step_totals[c.flow]} if st.step and plain else None,
            feedback=feedback,
        )


def _answering(c: Conversation) -> bool:
    return isinstance(c.overlay, str) and c.overlay.startswith(ANSWER)


def _asking(c: Conversation) -> bool:
    return c.overlay in (ASK, ASK_ADULTS)


def _check_settings(raw: Any, flows: Mapping[str, Flow], content: set[str]) -> dict[str, Any]:
    where = "flows/_global.yaml"
    problems = []
    if not isinstance(raw, dict):
        raise FlowError([f"{where}: must be a mapping"])
    if raw.get("start") not in flows:
        problems.append(f"{where}: start flow {raw.get('start')!r} does not exist")
    # "Did this help?" is optional: asked only where _global.yaml words it.
    asks = ("feedback", "feedback_thanks") if "feedback" in raw or "feedback_thanks" in raw else ()
    # An audience's own "not sure" words are optional: without them, everyone's.
    own = tuple(k for k in raw if isinstance(k, str) and k.startswith("not_sure_"))
    problems += [
        f"{where}: '{k}' names no audience" for k in own if k.removeprefix("not_sure_") not in AUDIENCES
    ]
    for key in ("help_now", "heard", "not_sure", "safety_check", "safety_check_adults", *asks, *own):
        ids = raw.get(key)
        if not isinstance(ids, list) or not ids:
            problems.append(f"{where}: '{key}' must list content ids")
            continue
        problems += [f"{where}: {key}: unknown content id '{i}'" for i in ids if i not in content]
    labels = raw.get("labels") or {}
    needed = [g for g in GLOBAL_ACTIONS if asks or g not in FEEDBACK_ANSWERS]
    problems += [f"{where}: labels: missing '{g}'" for g in needed if g not in labels]
    adult_labels = raw.get("adult_labels") or {}
    problems += [f"{where}: adult_labels: missing '{g}'" for g in SAFETY_ANSWERS if g not in adult_labels]
    codes = [i for i in content if i.startswith("common.problems.")]
    if "common.problems.bad_request" not in codes:
        problems.append("content: common/problems/bad_request.md is missing")
    if problems:
        raise FlowError(problems)
    return raw


__all__ = ["ContentError", "Engine", "FlowError", "Problem", "Route", "Safety", "Turn"]
