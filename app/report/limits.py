"""Wrong case reference/PIN tries, counted per case reference in the database,
so every process serving the app shares one count (a cluster gives a guesser
no extra tries).

At most ``MAX_FAILURES`` wrong tries per case reference in ``WINDOW`` seconds;
after that every try for that reference (right or wrong) gets 429 until the
oldest failure is ``WINDOW`` old. References that don't exist are counted the
same way, so being locked out says nothing about whether a case exists. No IP
address is kept: a row is the case reference and the second of the try, and
rows are deleted once ``WINDOW`` old: at the next try for any case, and when
a process starts. Deleted rows are overwritten (app/store.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from sqlite_utils import Database

from ..store import write_transaction

MAX_FAILURES = 5
WINDOW = 15 * 60.0


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

    def attempt(self, key: str) -> int:
        """Reserve a try: 0 and the try counted as a failure until `succeeded`
        clears it, or the seconds to wait. Counting before the (slow) PIN check
        means parallel guesses cannot all slip in before the first is counted;
        the write lock makes check-and-count one step across processes."""
        now = float(int(self.clock()))
        with write_transaction(self.path) as db:
            self._forget_old(db, now)
            times = [
                at
                for (at,) in db.execute(
                    "SELECT at FROM pin_tries WHERE case_reference = ? ORDER BY at", [key]
                ).fetchall()
            ]
            if len(times) >= self.max_failures:
                return max(1, math.ceil(self.window - (now - times[-self.max_failures])))
            db.execute("INSERT INTO pin_tries (case_reference, at) VALUES (?, ?)", [key, now])
        return 0

    def succeeded(self, key: str) -> None:
        with write_transaction(self.path) as db:
            db.execute("DELETE FROM pin_tries WHERE case_reference = ?", [key])
