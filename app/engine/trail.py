"""The conversation so far: which option a person chose between two steps,
the path through a flow to where they are, and the steps as a page shows
them above the current one.

The token carries the steps a person took (its history), so a page drawn by
the server (a reload, a language switch, a page without JavaScript) can show
the whole conversation again, in the conversation's language, without the
server keeping anything. Typed text is never in the token, so it is never
shown again: only the buttons a person pressed. The DSL's printed record
(app/schools/record.py) is built from the same path, with the same options.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from .engine import Engine
from .flows import Flow, Option
from .tokens import Conversation

Step = tuple[str, str]  # (flow, state)


def _goes(engine: Engine, opt: Option, answers: Mapping[str, Any]) -> str | None:
    """The state `opt` goes to, given the answers: its first branch whose
    condition holds (as the engine's machine would take it)."""
    for br in opt.branches:
        if br.when is None or engine.predicates[br.when](answers):
            return br.go
    return None


def _agrees(opt: Option, answers: Mapping[str, Any]) -> bool:
    """Whether the answers hold what `opt` records (`set:`)."""
    return all(answers.get(k) == v for k, v in opt.set.items())


def _leads(engine: Engine, opt: Option, here: Step, there: Step) -> bool:
    """Whether `opt`, at `here`, can lead to `there` by some branch."""
    if opt.flow is not None:
        target = engine.flows.get(opt.flow)
        return target is not None and there == (opt.flow, target.start)
    return there[0] == here[0] and any(b.go == there[1] for b in opt.branches)


def chosen(engine: Engine, here: Step, there: Step, answers: Mapping[str, Any]) -> Option | None:
    """The option chosen at `here` to move on to `there`: the only one that
    leads there, or, where several do (Yes and No both going on to the next
    question), the first the answers agree with: it records what they hold
    and, given them, goes there. None when it can't be told: typed text
    moved them, a flow changed since, or the answers that would tell were
    left behind in another flow. The one rule for the page's trail and the
    DSL's printed record."""
    flow = engine.flows.get(here[0])
    state = flow.states.get(here[1]) if flow else None
    if state is None:
        return None
    leads = [o for o in state.options if _leads(engine, o, here, there)]
    if len(leads) == 1:
        return leads[0]
    return next(
        (
            o
            for o in leads
            if _agrees(o, answers) and (o.flow is not None or _goes(engine, o, answers) == there[1])
        ),
        None,
    )


def path_to(engine: Engine, flow: Flow, c: Conversation) -> list[tuple[str, Option]]:
    """The (state, option chosen) steps from `flow`'s start to where the
    conversation is. The token's history is the trail (Back removes steps
    from it), but it keeps only the last 20 steps: the part before it is
    replayed from the answers, which decide every branch there. Empty when
    it is not a path the flow could have taken: no answers rather than
    wrong ones."""
    states: list[str] = []
    for f, s in reversed(c.history):
        if f != flow.id:
            break
        states.insert(0, s)
    states.append(c.state)
    steps: list[tuple[str, Option]] = []
    state = flow.start
    while state != states[0]:  # replay the part the history no longer holds
        opts = [o for o in flow.states[state].options if o.flow is None]
        option = next((o for o in opts if o.set and _agrees(o, c.answers)), None) or next(
            (o for o in opts if not o.set), None
        )
        nxt = _goes(engine, option, c.answers) if option else None
        if option is None or nxt is None or len(steps) > len(flow.states):
            return []
        steps.append((state, option))
        state = nxt
    for here, nxt in itertools.pairwise(states):
        option = chosen(engine, (flow.id, here), (flow.id, nxt), c.answers)
        if option is None:
            return []
        steps.append((here, option))
    return steps


def trail(engine: Engine, c: Conversation) -> list[dict[str, Any]]:
    """The steps before the one on screen, oldest first: each step's messages
    and what the person chose to move on (None when it can't be told). With
    Help now or suggestions on screen, the step underneath is part of it."""
    steps = list(c.history)
    if c.overlay is not None:
        steps.append((c.flow, c.state))
    following = [*steps[1:], (c.flow, c.state)][: len(steps)]
    out = []
    for here, there in zip(steps, following, strict=True):
        flow = engine.flows.get(here[0])
        state = flow.states.get(here[1]) if flow else None
        if state is None:  # a flow changed since the token was signed: skip what is gone
            continue
        option = chosen(engine, here, there, c.answers) if here != there else None
        out.append(
            {
                "flow": here[0],
                "messages": [engine.render(engine.messages[i], c.locale) for i in state.say],
                "chose": engine.translate(c.locale, option.label) if option else None,
                "step": {"n": state.step, "of": engine.step_totals[here[0]]} if state.step else None,
            }
        )
    return out
