"""The DSL's record of an initial review, rebuilt from the conversation itself.

The server keeps nothing: everything here comes from the signed token the
browser sends with every turn (the answers recorded with ``set:`` and the
states visited). This is the record that prints with JavaScript off: each
question asked on the way to the decision, the answer given, the decision and
its reason. With JavaScript on, the browser builds a fuller one (times,
corrections, typed answers, ``app/static/src/lib/dsl-record.js``) from the
same page and never sends it anywhere.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from babel.dates import format_datetime

from ..engine import Engine
from ..engine.flows import Flow
from ..engine.school_predicates import any_referral_criterion, refer_in_wales
from ..engine.tokens import Conversation
from ..engine.trail import path_to

# The review's single decision point (app/engine/school_predicates.py): the
# outcomes its branches go to are the referrals, whatever the flow names them.
REFERRAL_DECISIONS = {any_referral_criterion.__name__, refer_in_wales.__name__}
# The option that moves on from a "note the answer" question: the answer is the
# DSL's own note (typed in the browser, or written on the printout).
NOTE_OPTION = "noted"
# The option that moves on from a step that only informs (the Wales route).
INFORM_OPTION = "next"
UK = zoneinfo.ZoneInfo("Europe/London")
_BOLD = re.compile(r"<strong>(.*?)</strong>", re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Entry:
    state: str
    question: str  # as the chat showed it, in the conversation's language
    answer: str | None  # the option's label; None for a "note the answer" question
    note: bool = False


@dataclass
class Record:
    nation: str | None
    entries: list[Entry] = field(default_factory=list)
    refer: bool = False
    reason: Entry | None = None  # the answer that led to the referral
    advice: list[dict[str, Any]] = field(default_factory=list)  # the outcome's messages: the appendix
    made: str = ""


def british_time(when: dt.datetime, locale: str) -> str:
    """'30 November 2026, 10:42 GMT' (BST in summer), month names in the locale."""
    local = when.astimezone(UK)
    return f"{format_datetime(local, 'd MMMM y, HH:mm', locale=locale)} {local.tzname()}"


def question_of(engine: Engine, flow: Flow, state: str, locale: str) -> str | None:
    """The question a state asks: the last bold phrase ending in "?" among its
    messages; without one, its last bold phrase (a heading such as "Phones and
    other devices"); None if nothing is bold (the viewing rules)."""
    bold: list[str] = []
    for msg_id in flow.states[state].say:
        html = engine.render(engine.messages[msg_id], locale)["html"]
        bold += [_TAG.sub("", b).strip() for b in _BOLD.findall(html)]
    asked = [b for b in bold if b.endswith("?")]
    if asked:
        return asked[-1]
    return bold[-1].rstrip(".") if bold else None


def referrals(flow: Flow) -> set[str]:
    """The outcomes that refer: where the decision point's branches go."""
    return {
        br.go
        for st in flow.states.values()
        for opt in st.options
        for br in opt.branches
        if br.when in REFERRAL_DECISIONS
    }


def build(engine: Engine, c: Conversation, now: dt.datetime | None = None) -> Record | None:
    """The record for a conversation at one of the DSL review's outcomes (a
    state that prints a record); None anywhere else. `c` is what the page
    read its token as: the token is not read again."""
    flow = engine.flows.get(c.flow)
    if flow is None or flow.states[c.state].print != "record":
        return None
    translate = engine.translate
    rec = Record(nation=None, refer=c.state in referrals(flow))
    for state, opt in path_to(engine, flow, c):
        question = question_of(engine, flow, state, c.locale)
        if question is None or opt.id == INFORM_OPTION:
            continue
        note = opt.id == NOTE_OPTION
        entry = Entry(state, question, None if note else translate(c.locale, opt.label), note)
        if "nation" in opt.set:
            rec.nation = entry.answer
        rec.entries.append(entry)
    if rec.refer and rec.entries:
        rec.reason = rec.entries[-1]
    # The appendix: the outcome's advice, less the chat's "anything else?" prompt.
    says = [i for i in flow.states[c.state].say if not i.endswith(".anything_else")]
    rec.advice = [engine.render(engine.messages[i], c.locale) for i in says]
    rec.made = british_time(now or dt.datetime.now(dt.UTC), c.locale)
    return rec
