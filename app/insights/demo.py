"""`make demo-data`: a month of made-up aggregate counts in a demo database,
to see /insights filled. Counts only: no conversation is made, stored or
replayed. Made-up visitors walk the real flows' steps in memory and only
the day's totals are written.

Never the real database by accident: the path must be given, may not be the
one the settings point at, and an existing file is refilled only if this
command made it (it carries a `demo` table).

    python -m app.insights.demo --database instance/demo.db [--days 30] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
from collections import Counter
from pathlib import Path

from ..engine.content import load_content
from ..engine.flows import Flow, load_flows
from ..engine.predicates import PREDICATES
from ..settings import ROOT, database, setting
from ..store import connection, open_db
from .data import Key
from .record import ASKED, CARD_HELPED, HEARD, HELP_NOW, HELPED, LANGUAGE


def real_database() -> Path:
    return Path(database(setting("DATABASE"), setting("INSTANCE_DIR"))).resolve()


def walk(flows: dict[str, Flow], flow: Flow, rng: random.Random, day: str, counts: Counter[Key]) -> None:
    """One made-up visitor's steps through a flow, counted and forgotten."""
    state = flow.start
    for _ in range(12):
        counts[(day, flow.id, state)] += 1
        st = flow.states[state]
        if rng.random() < 0.03:
            counts[(day, flow.id, HELP_NOW)] += 1
            if rng.random() < 0.3:
                counts[(day, flow.id, CARD_HELPED + rng.choices(["yes", "a_bit", "no"], [6, 3, 1])[0])] += 1
        if st.end:
            if rng.random() < 0.45:
                counts[(day, flow.id, HELPED + rng.choices(["yes", "a_bit", "no"], [6, 3, 1])[0])] += 1
            return
        onward = [o for o in st.options if o.branches]
        if not onward or rng.random() < 0.12:  # left here
            return
        state = rng.choice(onward).branches[-1].go


def fill(path: Path, days: int, seed: int, today: dt.date) -> int:
    flows = load_flows(ROOT / "flows", set(load_content(ROOT / "content")), PREDICATES)
    welcome = flows["welcome"]
    menus = {o.id: o for o in welcome.states[welcome.start].options}
    rng = random.Random(seed)
    counts: Counter[Key] = Counter()
    for back in range(days):
        date = today - dt.timedelta(days=back)
        day = date.isoformat()
        visitors = int(rng.gauss(140 if date.weekday() < 5 else 80, 20))
        for _ in range(max(visitors, 0)):
            counts[(day, welcome.id, welcome.start)] += 1
            counts[(day, welcome.id, LANGUAGE + ("cy" if rng.random() < 0.07 else "en"))] += 1
            if rng.random() < 0.2:
                continue  # opened and left
            if rng.random() < 0.02:
                counts[(day, welcome.id, ASKED)] += 1
                if rng.random() < 0.4:
                    counts[(day, welcome.id, HEARD)] += 1
            who = menus[rng.choices(list(menus), [50, 30, 15, 5])[0]]
            if who.flow:
                walk(flows, flows[who.flow], rng, day, counts)
                continue
            menu = who.branches[-1].go
            counts[(day, welcome.id, menu)] += 1
            topics = [o for o in welcome.states[menu].options if o.flow]
            if topics and rng.random() < 0.9:
                topic = rng.choices(topics, [len(topics) - i for i in range(len(topics))])[0]
                assert topic.flow is not None
                walk(flows, flows[topic.flow], rng, day, counts)
    db = open_db(str(path))
    db.close()
    with connection(str(path)) as db, db.conn:
        db.execute("CREATE TABLE IF NOT EXISTS demo (made TEXT)")
        db.execute("INSERT INTO demo VALUES (?)", [today.isoformat()])
        db.execute("DELETE FROM counters")
        db.conn.executemany(
            "INSERT INTO counters (day, flow, state, count) VALUES (?, ?, ?, ?)",
            [(*key, n) for key, n in sorted(counts.items())],
        )
    return len(counts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fill a demo database with a month of made-up counts.")
    parser.add_argument("--database", required=True, help="the demo database (never the real one)")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    path = Path(args.database).resolve()
    if path == real_database():
        print(f"{path} is the database the settings point at: give the demo its own file.", file=sys.stderr)
        return 2
    if path.exists():
        with connection(str(path)) as db:
            if "demo" not in db.table_names():
                print(f"{path} exists and was not made by this command: not touched.", file=sys.stderr)
                return 2
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    rows = fill(path, args.days, args.seed, dt.date.today())
    print(f"{path}: {rows} made-up counter rows over {args.days} days (counts only)")
    where = os.path.relpath(path)
    print(f"See them: SAFECHAT_DATABASE={where} SAFECHAT_INSIGHTS_TOKEN=demo make run, then /insights")
    return 0


if __name__ == "__main__":
    sys.exit(main())
