"""Charts as plain SVG geometry, drawn by templates/insights/charts.html: no
library, no script, no inline style (the site's CSP holds), colours from
classes in css/insights.css.

Chosen by measurement (README, Operator's guide): pygal 3.1.3 (LGPL) wrote
41 KB per 30-day chart with an inline <script> and <style> that this CSP
blocks; leather 0.4.1 (MIT) had a fixed 800×600 size, no title or
description and grey text below AA contrast. These ~100 lines do what the
page needs.

Drawn 360 units wide, about a phone's width, so text stays near its real
size there; the page caps the width on larger screens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .data import Cell

WIDTH = 360
FONT = 13  # text size in the SVG's units
ROW = 44  # a labelled bar: label line, bar, gap
LINE = 16
WRAP = 44  # characters on a label line


def nice_top(n: int) -> int:
    """The axis top: 1, 2 or 5 × a power of ten, at least n (and at least 10)."""
    n = max(n, 10)
    power = 10 ** int(math.log10(n))
    for step in (1, 2, 5, 10):
        if step * power >= n:
            return step * power
    return 10 * power  # pragma: no cover (the loop always returns)


def wrap(text: str, width: int = WRAP) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


@dataclass
class Bar:
    label: list[str]  # lines
    y: float  # top of the label
    bar_y: float
    width: float
    value: str  # what is written at the bar's end
    value_x: float
    series: int = 0


@dataclass
class Bars:
    """Horizontal bars, one per row, the label above each bar."""

    height: float
    bars: list[Bar] = field(default_factory=list)
    kind: str = "bars"


def bars(rows: list[tuple[str, Cell]], withheld_text: str, hidden_text: str, fmt: object = str) -> Bars:
    top = nice_top(max((c.n for _, c in rows if not c.withheld), default=0))
    y = 4.0
    out = Bars(height=0)
    for label, cell in rows:
        lines = wrap(label)
        bar_y = y + LINE * len(lines) + 2
        width = 0.0 if cell.withheld else (WIDTH - 70) * cell.n / top
        text = (withheld_text if cell.n < 10 else hidden_text) if cell.withheld else fmt(cell.n)  # type: ignore[operator]
        out.bars.append(Bar(lines, y, bar_y, width, text, width + 6))
        y = bar_y + 18 + 12
    out.height = y
    return out


@dataclass
class Column:
    x: float
    segments: list[tuple[float, float, int]]  # y, height, series


@dataclass
class Tick:
    at: float
    text: str


@dataclass
class Columns:
    """Stacked columns over days, with a y axis and a few dated ticks."""

    height: float
    plot_left: float
    plot_top: float
    plot_bottom: float
    column_width: float
    columns: list[Column]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    kind: str = "columns"


def columns(days: list[str], series: list[list[Cell]], fmt: object = str) -> Columns:
    """`days`: each day's short label; `series[s][d]`: series s on day d. A
    withheld count is drawn as nothing (the table beside says so)."""
    left, top, bottom, height = 40.0, 8.0, 200.0, 236.0
    stacks = [sum(s[d].shown or 0 for s in series) for d in range(len(days))]
    peak = nice_top(max(stacks, default=0))
    step = (WIDTH - left - 4) / max(len(days), 1)
    cols = []
    for d in range(len(days)):
        base = bottom
        segments = []
        for s, values in enumerate(series):
            h = (bottom - top) * (values[d].shown or 0) / peak
            if h:
                base -= h
                segments.append((base, h, s))
        cols.append(Column(left + d * step + step * 0.15, segments))
    y_ticks = [Tick(bottom - (bottom - top) * f, fmt(int(peak * f))) for f in (0, 0.5, 1)]  # type: ignore[operator]
    every = max(1, math.ceil(len(days) / 4))
    x_ticks = [Tick(left + d * step + step / 2, days[d]) for d in range(0, len(days), every)]
    return Columns(height, left, top, bottom, step * 0.7, cols, y_ticks, x_ticks)
