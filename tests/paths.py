"""Walk every path of a flow through the JSON API, the way a person clicks.

A path ends at a declared end, at an option that starts another flow, or
where it would revisit a state (loops are cut after one pass).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Post = Callable[[Any], tuple[int, dict[str, Any]]]


@dataclass
class Path:
    choices: list[str] = field(default_factory=list)
    turns: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Everything the person was shown on this path, as plain text."""
        return "\n".join(m["text"] for t in self.turns for m in t["messages"])

    @property
    def states(self) -> list[str]:
        return [t["state"] for t in self.turns]


def walk(post: Post, flow: str, limit: int = 2000) -> list[Path]:
    status, first = post({"start": flow})
    assert status == 200, first
    paths: list[Path] = []
    todo = [Path([], [first])]
    while todo:
        path = todo.pop()
        turn = path.turns[-1]
        seen = {(t["flow"], t["state"]) for t in path.turns[:-1]}
        own = [o for o in turn["options"] if not o.get("global")]
        if turn["end"] or turn["flow"] != flow or (turn["flow"], turn["state"]) in seen or not own:
            paths.append(path)
            continue
        for opt in own:
            status, nxt = post({"token": turn["token"], "choose": opt["id"]})
            assert status == 200, (path.choices, opt, nxt)
            todo.append(Path([*path.choices, opt["id"]], [*path.turns, nxt]))
        assert len(paths) + len(todo) < limit, f"{flow}: more than {limit} paths"
    return paths
