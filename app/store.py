"""SQLite storage via sqlite-utils. Only what must outlive a conversation:
aggregate counters (flow/state/day, no per-person rows), hash reports, for
15 minutes the times of wrong PIN tries (and locks after repeated ones), and
for a day a count of reports per 20-bit address bucket."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import stat
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlite_utils import Database, Migrations

migrations = Migrations("safechat")


@migrations()
def m001_counters(db: Database) -> None:
    db.table("counters").create(
        {"day": str, "flow": str, "state": str, "count": int},
        pk=("day", "flow", "state"),
    )


def _database(path: str) -> Database:
    """Every connection: waits up to 5 s for another process's write (as
    Python's sqlite3 does by default; said here, since several processes
    share the file), and overwrites what it deletes, so a deleted PIN try
    does not linger in free pages."""
    db = Database(path)
    db.execute("PRAGMA busy_timeout = 5000")
    db.execute("PRAGMA secure_delete = ON")
    return db


def private_file(path: str) -> None:
    """Creates `path` readable and writable by its owner only (0600), or takes
    group and other permissions off it if it exists: the database holds PIN
    hashes. SQLite gives its -wal and -shm files the database's permissions."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)


def open_db(path: str) -> Database:
    private_file(path)
    with _one_process_at_a_time(path):
        db = _database(path)
        db.execute("PRAGMA journal_mode=WAL")
        migrations.apply(db)
    return db


@contextmanager
def _one_process_at_a_time(path: str) -> Iterator[None]:
    """Cluster backends start together and share one database: two running
    the migrations at once got "database is locked" (SQLite refuses, rather
    than waits, when a reader's snapshot is older than another's write), and
    one backend never started. A lock file next to the database makes the
    second wait for the first."""
    lock = f"{path}.lock"
    private_file(lock)
    with open(lock, "r+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextmanager
def connection(path: str) -> Iterator[Database]:
    """A short-lived connection."""
    db = _database(path)
    try:
        yield db
    finally:
        db.close()


@contextmanager
def write_transaction(path: str) -> Iterator[Database]:
    """One serialised write transaction (BEGIN IMMEDIATE): every process
    sharing the file takes its turn, so a read-then-write inside is atomic."""
    with connection(path) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.commit()


class Counters:
    """How often each state is reached per day, batched in memory so a turn
    never waits for a disk write: when a batch is full, `spawn` runs the
    flush elsewhere (a background task of the server's async mode). A
    serving process also flushes every SAFECHAT_FLUSH_SECONDS (app/__main__.py),
    so a quiet backend's counts reach /insights, which reads the shared
    database, without waiting for its next turn."""

    def __init__(
        self,
        path: str,
        flush_every: int = 500,
        spawn: Callable[[Callable[[], None]], object] | None = None,
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
        with connection(self.path) as db:
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash may lose the last batch, never corrupt
            with db.conn:
                db.conn.executemany(
                    "INSERT INTO counters (day, flow, state, count) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(day, flow, state) DO UPDATE SET count = count + excluded.count",
                    [(day, flow, state, n) for (day, flow, state), n in pending.items()],
                )


@migrations()
def m002_hash_reports(db: Database) -> None:
    """Hash reports from /fingerprints: fingerprints only. Days, never times;
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


@migrations()
def m003_pin_tries(db: Database) -> None:
    """Wrong case reference/PIN tries (app/report/limits.py): the reference
    and the second of each try, deleted once 15 minutes old."""
    db.table("pin_tries").create({"case_reference": str, "at": float}, not_null={"case_reference", "at"})
    db.table("pin_tries").create_index(["case_reference"])
    db.table("pin_tries").create_index(["at"])


@migrations()
def m004_hardening(db: Database) -> None:
    """Issue 19. Locks per case reference after repeated wrong PIN tries (how
    many in a row, and until when: app/report/limits.py); new reports per day
    per 20-bit address bucket (never an address); and `held`: a report kept
    back from the partner export until an operator releases it
    (SAFECHAT_REPORTS_REVIEW)."""
    db.table("pin_lockouts").create(
        {"case_reference": str, "lockouts": int, "until": float},
        pk="case_reference",
        not_null={"lockouts", "until"},
    )
    db.table("report_quota").create({"day": str, "bucket": str, "count": int}, pk=("day", "bucket"))
    db.execute("ALTER TABLE hash_reports ADD COLUMN held INTEGER NOT NULL DEFAULT 0")
