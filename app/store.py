"""SQLite storage via sqlite-utils. Only what must outlive a conversation:
aggregate counters (flow/state/day, no per-person rows) and hash reports."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable

from sqlite_utils import Database, Migrations

migrations = Migrations("safechat")


@migrations()
def m001_counters(db: Database) -> None:
    db.table("counters").create(
        {"day": str, "flow": str, "state": str, "count": int},
        pk=("day", "flow", "state"),
    )


def open_db(path: str) -> Database:
    db = Database(path)
    db.execute("PRAGMA journal_mode=WAL")
    migrations.apply(db)
    return db


class Counters:
    """How often each state is reached per day, batched in memory so a turn
    never waits for a disk write: when a batch is full, `spawn` runs the
    flush elsewhere (a background task of the server's async mode)."""

    def __init__(
        self, path: str, flush_every: int = 500, spawn: Callable[[Callable[[], None]], object] | None = None
    ):
        self.path = path
        self.flush_every = flush_every
        self._spawn = spawn
        self._pending: Counter[tuple[str, str, str]] = Counter()
        self._count = 0
        self._lock = threading.Lock()

    def add(self, flow: str, state: str) -> None:
        day = dt.date.today().isoformat()
        with self._lock:
            self._pending[(day, flow, state)] += 1
            self._count += 1
            due = self._count >= self.flush_every
            if due:
                self._count = 0
        if due:
            if self._spawn:
                self._spawn(self.flush)
            else:
                self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._count = 0
        if not pending:
            return
        db = Database(self.path)
        db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash may lose the last batch, never corrupt
        with db.conn:
            db.conn.executemany(
                "INSERT INTO counters (day, flow, state, count) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(day, flow, state) DO UPDATE SET count = count + excluded.count",
                [(day, flow, state, n) for (day, flow, state), n in pending.items()],
            )
        db.close()


@migrations()
def m002_hash_reports(db: Database) -> None:
    """Hash reports from /report-remove: fingerprints only. Days, never times;
    no IP addresses or user agents. ``change_seq`` orders changes for the
    partner export's cursor (a counter, not a clock)."""
    db.table("hash_reports").create(
        {
            "case_reference": str,
            "pin_scheme": str,
            "pin_salt": str,
            "pin_hash": str,
            "age_range": str,
            "status": str,
            "created": str,
            "last_modified": str,
            "change_seq": int,
        },
        pk="case_reference",
        not_null={"pin_scheme", "pin_salt", "pin_hash", "status", "created", "last_modified", "change_seq"},
    )
    db.table("hash_reports").create_index(["change_seq"], unique=True)
    db.table("report_hashes").create(
        {"case_reference": str, "signal_type": str, "value": str, "quality": int},
        pk=("case_reference", "signal_type", "value"),
        not_null={"signal_type", "value"},
        foreign_keys=[("case_reference", "hash_reports", "case_reference")],
    )
    db.table("report_hashes").create_index(["signal_type", "value"])
