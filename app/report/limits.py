"""Limits kept in the database, so every process serving the app shares
one count (a cluster gives a guesser no extra tries).

Wrong case reference/PIN tries, per case reference: at most
``MAX_FAILURES`` wrong tries in ``WINDOW`` seconds; the try after that
locks the reference, and every try for it (right or wrong) gets 429 until
the lock ends. The first lock lasts until the oldest of those failures is
``WINDOW`` old; each further lock is twice as long as the one before, up to
``MAX_LOCK``, so a guesser gets a few dozen tries a month rather than 480 a
day (README, Security). A right PIN clears the count and the locks; a
reference left alone for ``MAX_LOCK`` after its last lock starts afresh.
References that don't exist are counted the same way, so being locked out
says nothing about whether a case exists. No IP address is kept: a row is
the case reference and the second of the try (or the lock's count and end),
deleted once stale: at the next try for any case, and when a process
starts. Deleted rows are overwritten (app/store.py).

New reports, per client address per day (`DailyQuota`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import time
from collections.abc import Callable

from sqlite_utils import Database

from ..store import write_transaction

MAX_FAILURES = 5
WINDOW = 15 * 60.0
MAX_LOCK = 7 * 24 * 3600.0  # the longest lock, and how long lock counts are remembered after one


class FailureLimiter:
    def __init__(
        self,
        path: str,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW,
        clock: Callable[[], float] = time.time,  # wall time: shared by processes
    ):
        self.path = path
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        with write_transaction(path) as db:
            self._forget_old(db, float(int(clock())))

    def _forget_old(self, db: Database, now: float) -> None:
        db.execute("DELETE FROM pin_tries WHERE at <= ?", [now - self.window])
        db.execute("DELETE FROM pin_lockouts WHERE until <= ?", [now - MAX_LOCK])

    def lock_length(self, lockouts: int) -> float:
        """How long the n-th lock in a row lasts: WINDOW, then doubling."""
        return min(self.window * 2 ** min(lockouts - 1, 40), MAX_LOCK)

    def attempt(self, key: str) -> int:
        """Reserve a try: 0 and the try counted as a failure until `succeeded`
        clears it, or the seconds to wait. Counting before the (slow) PIN check
        means parallel guesses cannot all slip in before the first is counted;
        the write lock makes check-and-count one step across processes."""
        now = float(int(self.clock()))
        with write_transaction(self.path) as db:
            self._forget_old(db, now)
            row = db.execute(
                "SELECT lockouts, until FROM pin_lockouts WHERE case_reference = ?", [key]
            ).fetchone()
            lockouts, until = row if row else (0, 0.0)
            if until > now:
                return max(1, math.ceil(until - now))
            times = [
                at
                for (at,) in db.execute(
                    "SELECT at FROM pin_tries WHERE case_reference = ? ORDER BY at", [key]
                ).fetchall()
            ]
            if len(times) >= self.max_failures:  # one try too many: lock, longer each time
                lockouts += 1
                until = times[-self.max_failures] + self.lock_length(lockouts)
                db.execute(
                    "INSERT INTO pin_lockouts (case_reference, lockouts, until) VALUES (?, ?, ?)"
                    " ON CONFLICT(case_reference) DO UPDATE SET lockouts = excluded.lockouts,"
                    " until = excluded.until",
                    [key, lockouts, until],
                )
                db.execute("DELETE FROM pin_tries WHERE case_reference = ?", [key])
                return max(1, math.ceil(until - now))
            db.execute("INSERT INTO pin_tries (case_reference, at) VALUES (?, ?)", [key, now])
        return 0

    def succeeded(self, key: str) -> None:
        with write_transaction(self.path) as db:
            db.execute("DELETE FROM pin_tries WHERE case_reference = ?", [key])
            db.execute("DELETE FROM pin_lockouts WHERE case_reference = ?", [key])


BUCKET_BITS = 20


class DailyQuota:
    """At most `per_day` new reports per client address per day (UTC), counted
    in the database across processes; 0 = no cap. The address is never
    stored: a row holds the day and a 20-bit bucket, a keyed hash of the
    address cut so short that about 4,000 IPv4 addresses share each one, so
    the row cannot say which address it was even to someone holding the key.
    (Two people sharing a bucket share a cap: with reports as rare as they
    are, unlikely.) Rows from other days are deleted at the next report."""

    def __init__(self, path: str, per_day: int, secret: str, clock: Callable[[], float] = time.time):
        self.path = path
        self.per_day = per_day
        self._key = hashlib.sha256(b"safechat.report-quota:" + secret.encode()).digest()
        self.clock = clock

    def bucket(self, address: str | None) -> str:
        digest = hmac.new(self._key, (address or "").encode(), hashlib.sha256).digest()
        return f"{int.from_bytes(digest[:4], 'big') >> (32 - BUCKET_BITS):05x}"

    def take(self, address: str | None) -> int:
        """0 and one report counted, or the seconds until the cap resets."""
        if not self.per_day:
            return 0
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        day = now.date().isoformat()
        with write_transaction(self.path) as db:
            db.execute("DELETE FROM report_quota WHERE day != ?", [day])
            bucket = self.bucket(address)
            row = db.execute(
                "SELECT count FROM report_quota WHERE day = ? AND bucket = ?", [day, bucket]
            ).fetchone()
            if row and row[0] >= self.per_day:
                midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
                return max(1, math.ceil((midnight - now).total_seconds()))
            db.execute(
                "INSERT INTO report_quota (day, bucket, count) VALUES (?, ?, 1)"
                " ON CONFLICT(day, bucket) DO UPDATE SET count = count + 1",
                [day, bucket],
            )
        return 0
