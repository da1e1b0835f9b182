"""The sections of /insights, each a chart and the table beside it, built
from the counters (app/insights/data.py) and the flows themselves: which
states hand off where, what leads to each step, what the first screen asks."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from ..engine import Engine
from ..engine.checks import CHILDLINE_REPORT_REMOVE
from ..engine.flows import Flow
from . import charts
from .data import Cell, Key, Period, together, total
from .record import ANSWERS, ASKED, CARD_HELPED, HEARD, HELP_NOW, HELPED, LANGUAGE


@dataclass
class Section:
    id: str
    title: str
    about: str  # what the chart means, in a sentence or two
    chart: charts.Bars | charts.Columns
    legend: list[str]  # series names (columns) or [] (bars)
    head: list[str]
    rows: list[list[str]]


def number(n: int) -> str:
    return str(format_decimal(n))


def shown(cell: Cell) -> str:
    if not cell.withheld:
        return number(cell.n)
    return _("fewer than 10") if cell.n < 10 else _("not shown")


class Counts:
    """The period's cells, summed in the ways the page needs."""

    def __init__(self, cells: dict[Key, Cell]):
        self.by: dict[tuple[str, str], dict[str, Cell]] = defaultdict(dict)
        for (day, flow, state), cell in cells.items():
            self.by[(flow, state)][day] = cell

    def day(self, day: str, pairs: list[tuple[str, str]]) -> Cell:
        return total(self.by.get(pair, {}).get(day, Cell(0)) for pair in pairs)

    def period(self, pairs: list[tuple[str, str]]) -> Cell:
        return total(c for pair in pairs for c in self.by.get(pair, {}).values())

    def with_state(self, state: str) -> list[tuple[str, str]]:
        return [pair for pair in self.by if pair[1] == state]


def audiences(engine: Engine, locale: str) -> list[tuple[str, tuple[str, str]]]:
    """What the first screen asks ("I'm under 18", …) and the step each answer reaches."""
    welcome = engine.flows[engine.settings["start"]]
    out = []
    for opt in welcome.states[welcome.start].options:
        target = (opt.flow, engine.flows[opt.flow].start) if opt.flow else (welcome.id, opt.branches[-1].go)
        out.append((engine.translate(locale, opt.label), target))
    return out


def steps_in_order(flow: Flow) -> list[tuple[str, str | None]]:
    """The flow's states from its start, breadth first, each with the label of
    the first option that leads there (None for the start)."""
    order: list[tuple[str, str | None]] = [(flow.start, None)]
    seen = {flow.start}
    i = 0
    while i < len(order):
        for opt in flow.states[order[i][0]].options:
            for br in opt.branches:
                if br.go not in seen:
                    seen.add(br.go)
                    order.append((br.go, opt.label))
        i += 1
    order += [(s, None) for s in flow.states if s not in seen]
    return order


_HREF = re.compile(r'href="([^"]+)"')


def handoff_states(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    """Which steps offer each way on: Childline's Report Remove and the family
    agreement (the flows' handoff), a printout, and links or numbers for CEOP
    and Childline in the step's words."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for flow in engine.flows.values():
        for st in flow.states.values():
            if st.handoff:
                found[st.handoff].append((flow.id, st.id))
            if st.print:
                found["print"].append((flow.id, st.id))
            hrefs = [h for i in st.say for h in _HREF.findall(engine.messages[i].html)]
            if any("ceop.police.uk" in h for h in hrefs):
                found["ceop"].append((flow.id, st.id))
            # Childline itself (its number, chat, pages), not its Report Remove page (a row of its own)
            if any(
                h == "tel:08001111" or ("childline.org.uk" in h and CHILDLINE_REPORT_REMOVE not in h)
                for h in hrefs
            ):
                found["childline"].append((flow.id, st.id))
    return found


def build(
    engine: Engine,
    cells: dict[Key, Cell],
    reports: dict[str, Cell],
    p: Period,
    locale: str,
    flow_id: str | None,
    languages: dict[str, str],
) -> dict[str, Any]:
    counts = Counts(cells)
    days = [d.isoformat() for d in p.days]
    short = [str(format_date(d, "d MMM")) for d in p.days]
    long = [str(format_date(d, "d MMMM y")) for d in p.days]
    withheld, hidden = _("fewer than 10"), _("not shown")
    sections = []

    def by_day(id: str, title: str, about: str, series: list[tuple[str, list[tuple[str, str]]]]) -> Section:
        values = [[counts.day(day, pairs) for day in days] for _label, pairs in series]
        rows = [[long[d], *(shown(values[s][d]) for s in range(len(series)))] for d in range(len(days))]
        rows.append([_("Whole period"), *(shown(counts.period(pairs)) for _label, pairs in series)])
        return Section(
            id,
            title,
            about,
            charts.columns(short, values, number),
            [label for label, _p in series],
            [_("Day"), *(label for label, _p in series)],
            rows,
        )

    def by_row(id: str, title: str, about: str, rows: list[tuple[str, Cell]], head: str) -> Section:
        return Section(
            id,
            title,
            about,
            charts.bars(rows, withheld, hidden, number),
            [],
            [head, _("Count")],
            [[label, shown(cell)] for label, cell in rows],
        )

    welcome = engine.flows[engine.settings["start"]]
    opened = (welcome.id, welcome.start)
    sections.append(
        by_day(
            "who",
            _("Who came, per day"),
            _(
                "What people answered on the first screen. Each bar is one day; the table also "
                "gives how often the chat was opened (every load of its first page), answered or "
                "not."
            ),
            [(label, [target]) for label, target in audiences(engine, locale)],
        )
    )
    sections[-1].head.insert(1, _("Chat opened"))
    for d, row in enumerate(sections[-1].rows[:-1]):
        row.insert(1, shown(counts.day(days[d], [opened])))
    sections[-1].rows[-1].insert(1, shown(counts.period([opened])))

    topics = [f for f in engine.flows.values() if f.audience != "welcome"]
    started = sorted(
        ((engine.translate(locale, f.title), counts.period([(f.id, f.start)])) for f in topics),
        key=lambda row: (row[1].withheld, -row[1].n),
    )
    sections.append(
        by_row(
            "problems",
            _("The problems people bring"),
            _("How many times each conversation was started, from the menus or from what people typed."),
            started,
            _("Conversation"),
        )
    )

    chosen = engine.flows.get(flow_id or "") or (
        max(topics, key=lambda f: counts.period([(f.id, f.start)]).n) if topics else welcome
    )
    funnel = [
        (engine.translate(locale, label) if label else _("First step"), counts.period([(chosen.id, state)]))
        for state, label in steps_in_order(chosen)
    ]
    sections.append(
        by_row(
            "funnel",
            _("How far people went: %(flow)s", flow=engine.translate(locale, chosen.title)),
            _(
                "How many times each step was reached, in the order the conversation goes; each "
                "step is named by the answer that leads to it. Where the numbers drop is where "
                "people stopped. We never follow a person, so this counts steps, not people."
            ),
            funnel,
            _("Step"),
        )
    )

    sections.append(
        by_day(
            "urgent",
            _("Urgent help, per day"),
            _(
                "How often the Help now card was shown, because Help now was tapped or because of "
                "what someone typed, and how often the chat asked whether someone was safe."
            ),
            [
                (_("Help now tapped"), counts.with_state(HELP_NOW)),
                (_("Card shown for what they typed"), counts.with_state(HEARD)),
                (_("Asked if they are safe"), counts.with_state(ASKED)),
            ],
        )
    )

    ways = handoff_states(engine)
    report_cells = list(reports.values())
    sections.append(
        by_row(
            "handoffs",
            _("Where people were pointed next"),
            _(
                "How many times a step offering each way on was reached, and how many fingerprint "
                "reports were made. Whether someone then opened another website is not known: we "
                "don't follow links."
            ),
            [
                (_("Report Remove (Childline)"), counts.period(ways.get("report_remove", []))),
                (_("CEOP"), counts.period(ways.get("ceop", []))),
                (_("Childline"), counts.period(ways.get("childline", []))),
                (_("Family agreement"), counts.period(ways.get("family_agreement", []))),
                (_("Printout offered"), counts.period(ways.get("print", []))),
                (_("Fingerprint reports made"), total(report_cells)),
            ],
            _("Way on"),
        )
    )

    sections.append(
        by_row(
            "language",
            _("Language"),
            _("The language the chat was opened in."),
            # over the period too, the languages are one whole: all shown or none
            list(
                zip(
                    languages.values(),
                    together([counts.period(counts.with_state(LANGUAGE + code)) for code in languages]),
                    strict=True,
                )
            ),
            _("Language"),
        )
    )

    names = {"yes": _("Yes"), "a_bit": _("A bit"), "no": _("No")}
    helped = [
        (
            _("End of a conversation: %(answer)s", answer=names[a]),
            counts.period(counts.with_state(HELPED + a)),
        )
        for a in ANSWERS
    ]
    helped += [
        (_("After Help now: %(answer)s", answer=names[a]), counts.period(counts.with_state(CARD_HELPED + a)))
        for a in ANSWERS
    ]
    sections.append(
        by_row(
            "helped",
            _("Did this help?"),
            _(
                "The answers people chose, at the end of a conversation and on the Help now card. "
                "Answering is optional, so these are the people who chose to answer."
            ),
            helped,
            _("Answer"),
        )
    )
    return {
        "sections": sections,
        "flows": [(f.id, engine.translate(locale, f.title)) for f in topics],
        "chosen_flow": chosen.id,
        "period_text": _("%(start)s to %(end)s", start=long[0], end=long[-1]),
    }


def today() -> dt.date:
    return dt.date.today()
