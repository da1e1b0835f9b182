"""What one turn adds to the day's counters (`counters`: day, flow, state,
count), worked out from the action and its answer alone.

Nothing here knows who took the turn: each row is a day, a flow, a state or
an answer, and a number. Rows other than states have a ":" in the state
column, which a state id (lower_snake_case) never has, so they can't be
mistaken for one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..engine.flows import FEEDBACK_ANSWERS

HELP_NOW = "crisis:help_now"  # the Help now card, after Help now was tapped
HEARD = "crisis:heard"  # the card brought by the person's own words (or a yes to the question)
ASKED = "ask:safe"  # the "are you safe?" question
HELPED = "helped:"  # + yes / a_bit / no: "Did this help?" at a flow's end
CARD_HELPED = "card_helped:"  # the same, answered on the Help now card
LANGUAGE = "lang:"  # + locale: a conversation opened in that language

ANSWERS = tuple(a.removeprefix("helped_") for a in FEEDBACK_ANSWERS)  # yes, a_bit, no


def counted(raw: dict[str, Any], turn: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(flow, state) pairs to count for a person's move that reached `turn`.
    The Help now card and the safety question count as themselves, not as
    another visit to the step beneath them."""
    flow, choose = turn["flow"], raw.get("choose")
    if choose in FEEDBACK_ANSWERS:
        where = CARD_HELPED if turn["crisis"] else HELPED
        yield flow, where + choose.removeprefix("helped_")
        return
    if not raw.get("token") or raw.get("start") or choose == "start_again":  # a new conversation
        yield flow, LANGUAGE + turn["locale"]
    if turn["crisis"]:
        yield flow, HELP_NOW if choose == "help_now" else HEARD
    elif turn["safety_check"]:
        yield flow, ASKED
    else:
        yield flow, turn["state"]
