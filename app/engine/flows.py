"""Flows as data: loading ``flows/*.yaml`` and checking them.

Every problem is reported as one line, ``flows/x.yaml: state 'y': …``, and all
of them are collected before anything fails, so an author sees the whole list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app import strict_yaml

# Option ids the engine answers in every state; a flow may not reuse them.
# The safe_* answers belong to the "are you safe?" question asked when typed
# words might mean danger (see Engine._say).
SAFETY_ANSWERS = ("safe_yes", "safe_no", "safe_unsure")
# "Did this help?", offered once a conversation at a flow's end and with the
# Help now card: optional, counted per day only (app/insights/record.py).
FEEDBACK_ANSWERS = ("helped_yes", "helped_a_bit", "helped_no")
GLOBAL_ACTIONS = ("help_now", "back", "start_again", "resume", *SAFETY_ANSWERS, *FEEDBACK_ANSWERS)
AUDIENCES = ("welcome", "youth", "parents", "schools")
# Where a state hands off to. "report_remove" is Childline's own Report Remove
# (GUIDANCE §4), the main action; our fingerprint page (/fingerprints) is an
# extra, linked from the words, never called Report Remove.
HANDOFFS = {
    "report_remove": "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/"
    "remove-nude-image-shared-online/",
    "family_agreement": "/parents/agreement",
}
ID = re.compile(r"^[a-z][a-z0-9_]*$")

FLOW_KEYS = {"id", "audience", "title", "start", "phrases", "states"}
STATE_KEYS = {"say", "options", "end", "handoff", "accepts_text", "print", "step"}
# How a client may offer to print what was said: a summary, a timestamped
# record, or a young person's steps to keep ("Save my steps").
PRINTS = ("summary", "record", "steps")
OPTION_KEYS = {"id", "label", "to", "flow", "set"}
BRANCH_KEYS = {"if", "go"}


class FlowError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Branch:
    when: str | None  # predicate name; None means "otherwise"
    go: str


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    branches: tuple[Branch, ...] = ()  # to a state of this flow
    flow: str | None = None  # or to the start of another flow
    set: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class State:
    id: str
    say: tuple[str, ...]
    options: tuple[Option, ...]
    end: bool = False
    handoff: str | None = None
    accepts_text: bool = True
    print: str | None = None
    step: int | None = None  # "step n of N" in a flow walked one step at a time

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Flow:
    id: str
    audience: str
    title: str
    start: str
    states: Mapping[str, State]
    phrases: tuple[str, ...] = ()
    path: str = ""


class _Reader:
    """Collects problems while turning one YAML file into a Flow."""

    def __init__(self, where: str):
        self.where = where
        self.problems: list[str] = []

    def bad(self, msg: str, state: str | None = None) -> None:
        at = f"{self.where}: state '{state}': " if state else f"{self.where}: "
        self.problems.append(at + msg)

    def keys(self, obj: dict[str, Any], allowed: set[str], what: str, state: str | None) -> None:
        for key in sorted(set(obj) - allowed):
            self.bad(f"unknown key '{key}' in {what}", state)

    def option(self, raw: Any, state: str) -> Option | None:
        if not isinstance(raw, dict):
            self.bad("each option must be a mapping", state)
            return None
        self.keys(raw, OPTION_KEYS, "option", state)
        oid, label = raw.get("id"), raw.get("label")
        if not isinstance(oid, str) or not ID.match(oid):
            self.bad(f"option id {oid!r} must be lower_snake_case", state)
            return None
        if oid in GLOBAL_ACTIONS:
            self.bad(f"option '{oid}' clashes with a global action", state)
        if not isinstance(label, str) or not label.strip():
            self.bad(f"option '{oid}': needs a label", state)
            label = ""
        to, flow = raw.get("to"), raw.get("flow")
        if (to is None) == (flow is None):
            self.bad(f"option '{oid}': needs exactly one of 'to' or 'flow'", state)
            return None
        if flow is not None and not isinstance(flow, str):
            self.bad(f"option '{oid}': 'flow' must be a flow id", state)
            return None
        sets = raw.get("set") or {}
        if not isinstance(sets, dict) or not all(isinstance(k, str) for k in sets):
            self.bad(f"option '{oid}': 'set' must map answer names to values", state)
            sets = {}
        branches = self.branches(to, oid, state) if to is not None else ()
        return Option(oid, label, branches, flow, sets)

    def branches(self, to: Any, oid: str, state: str) -> tuple[Branch, ...]:
        if isinstance(to, str):
            return (Branch(None, to),)
        if not isinstance(to, list) or not to:
            self.bad(f"option '{oid}': 'to' must be a state or a list of branches", state)
            return ()
        out = []
        for i, raw in enumerate(to):
            if not isinstance(raw, dict) or not isinstance(raw.get("go"), str):
                self.bad(f"option '{oid}': branch {i + 1} needs 'go: <state>'", state)
                continue
            self.keys(raw, BRANCH_KEYS, "branch", state)
            when = raw.get("if")
            if when is not None and not isinstance(when, str):
                self.bad(f"option '{oid}': branch {i + 1}: 'if' must name a predicate", state)
            out.append(Branch(when, raw["go"]))
        if out and out[-1].when is not None:
            self.bad(f"option '{oid}': the last branch needs no 'if' (the otherwise case)", state)
        return tuple(out)

    def state(self, sid: Any, raw: Any) -> State | None:
        if not isinstance(sid, str) or not ID.match(sid):
            self.bad(f"state id {sid!r} must be lower_snake_case")
            return None
        if not isinstance(raw, dict):
            self.bad("must be a mapping", sid)
            return None
        self.keys(raw, STATE_KEYS, "state", sid)
        say = raw.get("say") or []
        if isinstance(say, str):
            say = [say]
        if not isinstance(say, list) or not all(isinstance(s, str) for s in say):
            self.bad("'say' must be a list of content ids", sid)
            say = []
        if not say:
            self.bad("says nothing (add content ids under 'say')", sid)
        raw_opts = raw.get("options") or []
        if not isinstance(raw_opts, list):
            self.bad("'options' must be a list", sid)
            raw_opts = []
        options = [o for o in (self.option(r, sid) for r in raw_opts) if o]
        seen: set[str] = set()
        for o in options:
            if o.id in seen:
                self.bad(f"duplicate option id '{o.id}'", sid)
            seen.add(o.id)
        handoff = raw.get("handoff")
        if handoff is not None and handoff not in HANDOFFS:
            self.bad(f"unknown handoff {handoff!r} (one of {sorted(HANDOFFS)})", sid)
        end = raw.get("end", False)
        if not isinstance(end, bool):
            self.bad("'end' must be true or false", sid)
        printable = raw.get("print")
        if printable is not None and printable not in PRINTS:
            self.bad(f"'print' must be one of {PRINTS}", sid)
        step = raw.get("step")
        if step is not None and (isinstance(step, bool) or not isinstance(step, int) or step < 1):
            self.bad("'step' must be a whole number from 1", sid)
            step = None
        if not options and not end:
            self.bad("has no way forward and is not declared 'end: true'", sid)
        return State(
            sid,
            tuple(say),
            tuple(options),
            bool(end),
            handoff,
            bool(raw.get("accepts_text", True)),
            printable,
            step,
        )


def read_flow(path: Path) -> tuple[Flow | None, list[str]]:
    where = f"flows/{path.name}"
    r = _Reader(where)
    try:
        raw = strict_yaml.load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return None, [f"{where}: not valid YAML: {exc}".replace("\n", " ")]
    if not isinstance(raw, dict):
        return None, [f"{where}: must be a mapping with id, audience, title, start, states"]
    r.keys(raw, FLOW_KEYS, "flow", None)
    fid = raw.get("id")
    if fid != path.stem:
        r.bad(f"id {fid!r} must equal the file name '{path.stem}'")
    if raw.get("audience") not in AUDIENCES:
        r.bad(f"audience must be one of {AUDIENCES}")
    if not isinstance(raw.get("title"), str):
        r.bad("needs a title (shown when the chat suggests this flow)")
    phrases = raw.get("phrases") or []
    if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
        r.bad("'phrases' must be a list of example sentences")
        phrases = []
    raw_states = raw.get("states")
    if not isinstance(raw_states, dict) or not raw_states:
        r.bad("needs 'states'")
        raw_states = {}
    states = {}
    for sid, sraw in raw_states.items():
        st = r.state(sid, sraw)
        if st:
            states[st.id] = st
    start = raw.get("start")
    if start not in states:
        r.bad(f"start state {start!r} is not one of its states")
    flow = Flow(
        str(fid),
        str(raw.get("audience")),
        str(raw.get("title", "")),
        str(start),
        states,
        tuple(phrases),
        where,
    )
    return flow, r.problems


def check_links(
    flows: Mapping[str, Flow],
    content_ids: set[str],
    predicates: Mapping[str, Callable[..., bool]],
) -> list[str]:
    """Cross-checks: targets, predicates, content ids, reachability."""
    problems: list[str] = []
    for flow in flows.values():

        def bad(msg: str, sid: str, flow: Flow = flow) -> None:
            problems.append(f"{flow.path}: state '{sid}': {msg}")

        for st in flow.states.values():
            for cid in st.say:
                if cid not in content_ids:
                    bad(f"unknown content id '{cid}'", st.id)
            for opt in st.options:
                if opt.flow is not None and opt.flow not in flows:
                    bad(f"option '{opt.id}': unknown flow '{opt.flow}'", st.id)
                for br in opt.branches:
                    if br.go not in flow.states:
                        bad(f"unknown target '{br.go}'", st.id)
                    if br.when is not None and br.when not in predicates:
                        bad(f"option '{opt.id}': unknown predicate '{br.when}'", st.id)
        seen = {flow.start}
        todo = [flow.start]
        while todo:
            here = flow.states.get(todo.pop())
            for opt in here.options if here else ():
                for br in opt.branches:
                    if br.go not in seen and br.go in flow.states:
                        seen.add(br.go)
                        todo.append(br.go)
        for sid in flow.states:
            if sid not in seen:
                bad("unreachable from the start state", sid)
    return problems


def load_flows(
    flows_dir: Path,
    content_ids: set[str],
    predicates: Mapping[str, Callable[..., bool]],
) -> dict[str, Flow]:
    """Load and check every flow; raise FlowError listing every problem."""
    flows: dict[str, Flow] = {}
    problems: list[str] = []
    paths = sorted(p for p in flows_dir.glob("*.yaml") if not p.name.startswith("_"))
    if not paths:
        problems.append(f"{flows_dir}: no flows found")
    for path in paths:
        flow, errs = read_flow(path)
        problems += errs
        if flow:
            flows[flow.id] = flow
    problems += check_links(flows, content_ids, predicates)
    if problems:
        raise FlowError(problems)
    return flows
