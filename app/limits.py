"""Rate limits, in memory only.

Keys are a connection id or a client address; addresses are hashed with a
random per-process salt before they are kept, never written anywhere, and
forgotten when their window passes.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time


def parse_rate(text: str) -> tuple[int, float]:
    """'20/10' → 20 events per 10 seconds; '0' or '' → no limit."""
    if not text or text.strip() == "0":
        return 0, 1.0
    count, _, seconds = text.partition("/")
    return int(count), float(seconds or 1)


class RateLimiter:
    """Fixed windows: cheap, and exact enough for "slow down" messages."""

    def __init__(self, rate: str):
        self.limit, self.window = parse_rate(rate)
        self._counts: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._salt = secrets.token_bytes(16)
        self._next_sweep = 0.0

    def key_for_address(self, address: str | None) -> str:
        return hashlib.blake2b((address or "").encode(), key=self._salt, digest_size=12).hexdigest()

    def allow(self, key: str) -> bool:
        if not self.limit:
            return True
        now = time.monotonic()
        with self._lock:
            if now >= self._next_sweep:  # forget finished windows so memory stays bounded
                self._counts = {k: v for k, v in self._counts.items() if now - v[0] < self.window}
                self._next_sweep = now + self.window
            start, count = self._counts.get(key, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            if count >= self.limit:
                return False
            self._counts[key] = (start, count + 1)
            return True

    def spent(self, key: str) -> bool:
        """Whether `key` has used up this window, without counting a use: so
        failed attempts alone can be counted, and checked before the next."""
        if not self.limit:
            return False
        with self._lock:
            start, count = self._counts.get(key, (0.0, 0))
            return count >= self.limit and time.monotonic() - start < self.window

    def forget(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)
