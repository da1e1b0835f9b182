"""Named conditions a flow can branch on (``to: [{if: name, go: state}]``).

Each takes the conversation's answers and returns a bool. Flows refer to them
by name, so data never holds code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Predicate = Callable[[Mapping[str, Any]], bool]
PREDICATES: dict[str, Predicate] = {}


def predicate(fn: Predicate) -> Predicate:
    PREDICATES[fn.__name__] = fn
    return fn
