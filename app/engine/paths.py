"""Every path through a flow, walked by the engine itself.

A path starts at the flow's start state and follows the person's choices
through ``Engine.step`` (so branches go exactly where the engine would send
them, given the answers recorded so far with ``set:``). A path stops:

- ``end``: at a state with no options of its own (a declared end; a declared
  end that still has options is walked on through them, and marked);
- ``flow``: at an option that starts another flow;
- ``loop``: where it would come back to a state it has already been through
  (loops are cut after one pass).

Used by ``flask flows transcripts`` and the review page. (``tests/paths.py``
walks the same way over HTTP, to test the transports.)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

import jinja2

from .engine import Engine, Turn

LIMIT = 5000  # paths per flow; more means a flow has grown too tangled to review


@dataclass(frozen=True)
class Step:
    state: str
    messages: tuple[dict[str, Any], ...]  # as the engine renders them: id, html, text
    end: bool  # a declared end (the conversation may stop here)
    choice: str | None = None  # option id chosen here; None on a path's last step
    label: str | None = None  # that option's label, as shown


@dataclass(frozen=True)
class Path:
    flow: str
    steps: tuple[Step, ...]
    outcome: str  # "end", "flow" or "loop"
    target: str | None = None  # the other flow, or the state a loop returns to

    @property
    def states(self) -> list[str]:
        return [s.state for s in self.steps]


class TooManyPaths(Exception):
    pass


def _own_options(turn: Turn) -> list[dict[str, Any]]:
    return [o for o in turn.options if not o.get("global")]


def _step(turn: Turn, choice: dict[str, Any] | None = None) -> Step:
    return Step(
        turn.state,
        tuple(turn.messages),
        turn.end,
        choice["id"] if choice else None,
        choice["label"] if choice else None,
    )


def walk(engine: Engine, flow_id: str, locale: str = "en", limit: int = LIMIT) -> list[Path]:
    """Every path from the flow's start, in the order its options are listed."""
    paths: list[Path] = []

    def go(turn: Turn, done: tuple[Step, ...]) -> None:
        options = _own_options(turn)
        if not options:
            paths.append(Path(flow_id, (*done, _step(turn)), "end"))
        seen = {s.state for s in done} | {turn.state}
        for opt in options:
            nxt = engine.step(turn.token, {"choose": opt["id"]})
            steps = (*done, _step(turn, opt))
            if nxt.flow != flow_id:
                paths.append(Path(flow_id, steps, "flow", nxt.flow))
            elif nxt.state in seen:
                paths.append(Path(flow_id, steps, "loop", nxt.state))
            else:
                go(nxt, steps)
            if len(paths) > limit:
                raise TooManyPaths(f"{flow_id}: more than {limit} paths")

    go(engine.step(None, {"start": flow_id, "locale": locale}), ())
    return paths


def transcript(engine: Engine, flow_id: str, locale: str = "en") -> str:
    """Every path as text a reviewer can read: what the person sees, and what they
    chose. The framing words are in templates/review/transcript.txt, translated
    through the same catalogs as the chat (plain Jinja2: no Flask here)."""
    env = _text_templates()
    tr = functools.partial(engine.translate, locale)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=tr, ngettext=lambda s, p, n: tr(s if n == 1 else p), newstyle=True
    )
    text = env.get_template("transcript.txt").render(
        flow=engine.flows[flow_id],
        flows=engine.flows,
        paths=walk(engine, flow_id, locale),
        locale=locale,
        tr=tr,
    )
    return text.rstrip() + "\n"


def _text_templates() -> jinja2.Environment:
    folder = FsPath(__file__).resolve().parent.parent / "templates" / "review"
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        extensions=["jinja2.ext.i18n"],
        autoescape=False,  # plain text for a terminal or a .txt download
        trim_blocks=True,
        keep_trailing_newline=True,
    )
