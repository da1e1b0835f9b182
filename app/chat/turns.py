"""The one call every transport makes."""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..engine import Engine


def engine() -> Engine:
    return current_app.extensions["safechat"]["engine"]  # type: ignore[no-any-return]


def take_turn(raw: Any) -> tuple[dict[str, Any], bool]:
    """(Turn, True) or (Problem, False). Counts the state reached, nothing else."""
    result, ok = engine().act(raw)
    if ok:
        current_app.extensions["safechat"]["counters"].add(result["flow"], result["state"])
    return result, ok
