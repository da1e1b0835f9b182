"""The conversation so far, as a page shows it above the current step.

The token carries the steps a person took (its history), so a page drawn by
the server (a reload, a language switch, a page without JavaScript) can show
the whole conversation again, in the conversation's language, without the
server keeping anything. Typed text is never in the token, so it is never
shown again: only the buttons a person pressed.
"""

from __future__ import annotations

from typing import Any

from .engine import Engine
from .tokens import Conversation


def _label_between(engine: Engine, here: tuple[str, str], there: tuple[str, str]) -> str | None:
    """The source-language label of the option that leads from `here` to
    `there`, or None (typed text, or a step the flows no longer have)."""
    flow = engine.flows.get(here[0])
    state = flow.states.get(here[1]) if flow else None
    if state is None:
        return None
    for opt in state.options:
        if opt.flow is not None:
            target = engine.flows.get(opt.flow)
            if there[0] == opt.flow and target is not None and there[1] == target.start:
                return opt.label
        elif there[0] == here[0] and any(b.go == there[1] for b in opt.branches):
            return opt.label
    return None


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
        label = _label_between(engine, here, there) if here != there else None
        out.append(
            {
                "flow": here[0],
                "messages": [engine.render(engine.messages[i], c.locale) for i in state.say],
                "chose": engine.translate(c.locale, label) if label else None,
                "step": {"n": state.step, "of": engine.step_totals[here[0]]} if state.step else None,
            }
        )
    return out
