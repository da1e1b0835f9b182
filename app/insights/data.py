"""The numbers behind /insights and /insights.csv: the `counters` table for a
period, with small numbers withheld.

The rule (README, Operator's guide): a count from 1 to 9 is withheld
("fewer than 10"), so no one can be picked out from a rare path on a quiet
day. Two more rules stop the withheld numbers being worked out by subtraction:
- languages are counted as shares of the conversations opened, so when one
  language's count for a flow and day is withheld, all of them are;
- a total of several counts (a period, all flows, several steps) is withheld
  when it is 1 to 9 itself, or when exactly one of its parts is withheld.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ..store import connection
from .record import LANGUAGE

SMALLEST_SHOWN = 10
LONGEST_PERIOD = 366  # days


@dataclass(frozen=True)
class Cell:
    """A count and whether it may be shown."""

    n: int
    withheld: bool = False

    @property
    def shown(self) -> int | None:
        return None if self.withheld else self.n


def small(n: int) -> bool:
    return 0 < n < SMALLEST_SHOWN


def total(parts: Iterable[Cell]) -> Cell:
    parts = list(parts)
    n = sum(p.n for p in parts)
    withheld = sum(1 for p in parts if p.withheld)
    return Cell(n, small(n) or withheld == 1)


Key = tuple[str, str, str]  # day, flow, state


def together(parts: list[Cell]) -> list[Cell]:
    """Parts of one whole, all withheld if any is: one withheld part could
    otherwise be worked out from the whole and the others."""
    return [Cell(p.n, True) for p in parts] if any(p.withheld for p in parts) else parts


def suppress(counts: dict[Key, int]) -> dict[Key, Cell]:
    """Every count as a Cell, small ones withheld, and languages withheld
    together (see the module's docstring)."""
    cells = {k: Cell(n, small(n)) for k, n in counts.items()}
    shares: dict[tuple[str, str], list[Key]] = defaultdict(list)
    for key in cells:
        if key[2].startswith(LANGUAGE):
            shares[key[:2]].append(key)
    for keys in shares.values():
        cells.update(zip(keys, together([cells[k] for k in keys]), strict=True))
    return cells


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]


class BadPeriod(ValueError):
    pass


def period(days: str | None, start: str | None, end: str | None, today: dt.date) -> Period:
    """The last 7, 30 or 90 days (to today), or from–to (YYYY-MM-DD, at most a year)."""
    if start or end:
        try:
            first = dt.date.fromisoformat(start or "")
            last = dt.date.fromisoformat(end or "")
        except ValueError as exc:
            raise BadPeriod from exc
        if first > last or (last - first).days >= LONGEST_PERIOD:
            raise BadPeriod
        return Period(first, last)
    n = {"7": 7, "30": 30, "90": 90}.get(days or "30")
    if n is None:
        raise BadPeriod
    return Period(today - dt.timedelta(days=n - 1), today)


def load(path: str, p: Period) -> dict[Key, Cell]:
    with connection(path) as db:
        rows = db.execute(
            "SELECT day, flow, state, count FROM counters WHERE day BETWEEN ? AND ?"
            " ORDER BY day, flow, state",
            [p.start.isoformat(), p.end.isoformat()],
        ).fetchall()
    return suppress({(day, flow, state): int(n) for day, flow, state, n in rows})


def hash_reports(path: str, p: Period) -> dict[str, Cell]:
    """Hash reports made per day (fingerprints sent from /fingerprints)."""
    with connection(path) as db:
        rows = db.execute(
            "SELECT created, COUNT(*) FROM hash_reports WHERE created BETWEEN ? AND ? GROUP BY created",
            [p.start.isoformat(), p.end.isoformat()],
        ).fetchall()
    return {day: Cell(int(n), small(int(n))) for day, n in rows}


def csv_rows(cells: dict[Key, Cell]) -> Iterable[tuple[str, str, str, str]]:
    """day, flow, state, count, with a withheld count empty."""
    for (day, flow, state), cell in sorted(cells.items()):
        yield day, flow, state, "" if cell.withheld else str(cell.n)
