"""Hash reports in SQLite: create, look up, withdraw, and the partner export.

A report is a case reference, the PIN's scrypt hash, an optional age range,
its status (Active / Pending / Withdrawn) and two days (created, last
modified); its hashes are rows of (signal type, value, PDQ quality). Nothing
else. With SAFECHAT_REPORTS_REVIEW on, a new report is Pending and `held`:
kept out of the partner export until an operator releases it
(`flask reports release`); a held report withdrawn before that is never
exported at all.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from typing import Any

from sqlite_utils import Database

from ..store import connection, write_transaction
from . import refs
from .validate import NewReport

ACTIVE, PENDING, WITHDRAWN = "Active", "Pending", "Withdrawn"


def today() -> str:
    return dt.date.today().isoformat()


@dataclass(frozen=True)
class Case:
    case_reference: str
    status: str
    created: str
    last_modified: str
    hash_count: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)  # the API's field names are the attributes' names


@dataclass(frozen=True)
class ExportRecord:
    seq: int
    signal_type: str
    value: str
    status: str
    last_modified: str
    quality: int | None

    def as_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "signalType": self.signal_type,
            "hashValue": self.value,
            "hashStatus": self.status,
            "lastModified": self.last_modified,
        }
        if self.signal_type == "ImagePDQ" and self.quality is not None:
            record["quality"] = self.quality
        return record


class Reports:
    def __init__(self, path: str):
        self.path = path

    def _db(self) -> AbstractContextManager[Database]:
        return connection(self.path)

    def _write(self) -> AbstractContextManager[Database]:
        """One serialised write transaction, so change_seq can't be handed out twice."""
        return write_transaction(self.path)

    @staticmethod
    def _next_seq(db: Database) -> int:
        return int(db.execute("SELECT COALESCE(MAX(change_seq), 0) + 1 FROM hash_reports").fetchone()[0])

    def create(self, report: NewReport, held: bool = False) -> Case:
        scheme, salt, pin_hash = refs.hash_pin(report.pin)  # slow: outside the write lock
        day = today()
        status = PENDING if held else ACTIVE
        for _ in range(5):  # 80 random bits: a clash is a formality, but handle it
            ref = refs.new_case_reference()
            try:
                with self._write() as db:
                    db.execute(
                        "INSERT INTO hash_reports (case_reference, pin_scheme, pin_salt, pin_hash, age_range,"
                        " status, created, last_modified, change_seq, held)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            ref,
                            scheme,
                            salt,
                            pin_hash,
                            report.age_range,
                            status,
                            day,
                            day,
                            self._next_seq(db),
                            held,
                        ],
                    )
                    db.conn.executemany(
                        "INSERT INTO report_hashes (case_reference, signal_type, value, quality)"
                        " VALUES (?, ?, ?, ?)",
                        [(ref, h.signal_type, h.value, h.quality) for h in report.hashes],
                    )
            except sqlite3.IntegrityError:
                continue
            return Case(ref, status, day, day, len(report.hashes))
        raise RuntimeError("could not make a unique case reference")

    def _case(self, db: Database, ref: str) -> Case | None:
        row = db.execute(
            "SELECT status, created, last_modified,"
            " (SELECT COUNT(*) FROM report_hashes h WHERE h.case_reference = r.case_reference)"
            " FROM hash_reports r WHERE case_reference = ?",
            [ref],
        ).fetchone()
        return Case(ref, *row) if row else None

    def login(self, ref: str, pin: str) -> Case | None:
        """The case if the PIN is right; None for a wrong PIN or no such case
        (the same scrypt work either way)."""
        with self._db() as db:
            row = db.execute(
                "SELECT pin_scheme, pin_salt, pin_hash FROM hash_reports WHERE case_reference = ?", [ref]
            ).fetchone()
        if not refs.check_pin(pin, tuple(row) if row else None):
            return None
        with self._db() as db:
            return self._case(db, ref)

    def withdraw(self, ref: str) -> Case | None:
        """Withdraw (once: a second call changes nothing)."""
        with self._write() as db:
            db.execute(
                "UPDATE hash_reports SET status = ?, last_modified = ?, change_seq = ?"
                " WHERE case_reference = ? AND status != ?",
                [WITHDRAWN, today(), self._next_seq(db), ref, WITHDRAWN],
            )
            return self._case(db, ref)

    def pending(self) -> list[Case]:
        """Reports held for review, oldest first."""
        with self._db() as db:
            refs_ = [
                r
                for (r,) in db.execute(
                    "SELECT case_reference FROM hash_reports WHERE status = ? ORDER BY change_seq", [PENDING]
                ).fetchall()
            ]
            return [c for c in (self._case(db, r) for r in refs_) if c is not None]

    def release(self, ref: str) -> Case | None:
        """A Pending report becomes Active and joins the export; None if there
        is no Pending report with that reference (withdrawn, released, none)."""
        with self._write() as db:
            cur = db.execute(
                "UPDATE hash_reports SET status = ?, held = 0, last_modified = ?, change_seq = ?"
                " WHERE case_reference = ? AND status = ?",
                [ACTIVE, today(), self._next_seq(db), ref, PENDING],
            )
            return self._case(db, ref) if cur.rowcount else None

    def export(self, since: str, after: tuple[int, str, str], limit: int) -> list[ExportRecord]:
        """One record per (signal type, value), across every case that holds it:
        Active while any of those cases is, dated by the latest change. Ordered
        by the latest change's sequence number, so a cursor (the last record's
        (seq, type, value)) never skips a later change."""
        with self._db() as db:
            rows = db.execute(
                """
                WITH agg AS (
                  SELECT h.signal_type AS signal_type, h.value AS value,
                         MAX(r.change_seq) AS seq, MAX(r.last_modified) AS last_modified,
                         MAX(r.status = 'Active') AS active, MAX(h.quality) AS quality
                  FROM report_hashes h JOIN hash_reports r ON r.case_reference = h.case_reference
                  WHERE r.held = 0
                  GROUP BY h.signal_type, h.value
                )
                SELECT seq, signal_type, value, active, last_modified, quality FROM agg
                WHERE last_modified >= ? AND (seq, signal_type, value) > (?, ?, ?)
                ORDER BY seq, signal_type, value
                LIMIT ?
                """,
                [since, *after, limit],
            ).fetchall()
        return [
            ExportRecord(seq, kind, value, ACTIVE if active else WITHDRAWN, day, quality)
            for seq, kind, value, active, day, quality in rows
        ]
