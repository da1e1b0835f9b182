"""Wrong case reference/PIN tries, counted per case reference, in memory.

At most ``MAX_FAILURES`` wrong tries per case reference in ``WINDOW`` seconds;
after that every try for that reference (right or wrong) gets 429 until the
oldest failure is ``WINDOW`` old. References that don't exist are counted the
same way, so being locked out says nothing about whether a case exists. No IP
address is kept: the key is the case reference alone. The table is bounded
(``MAX_KEYS``; the entries that went longest without a failure go first).
It lives in one process: run one worker, or move it to the database, if the
app is ever served by several.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW = 15 * 60.0
MAX_KEYS = 100_000


class FailureLimiter:
    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_failures = max_failures
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def attempt(self, key: str) -> int:
        """Reserve a try: 0 and the try counted as a failure until `succeeded`
        clears it, or the seconds to wait. Counting before the (slow) PIN check
        means parallel guesses cannot all slip in before the first is counted."""
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            if times is not None and len(times) >= self.max_failures:
                return max(1, math.ceil(self.window - (now - times[-self.max_failures])))
            times = times or deque(maxlen=self.max_failures)
            times.append(now)
            self._failures[key] = times
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
            return 0

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
