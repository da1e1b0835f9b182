"""Log lines from the libraries under the app, made safe to keep.

python-socketio, Engine.IO and gevent log a full traceback for every
malformed packet or request, and some of their lines quote what a client
sent (a polling `sid`, a request line) or where it came from. One socket
sending junk could write megabytes a second, or forge lines of its own.
`OneLine` turns each such record into one short line, without the
traceback, with control characters escaped, and lets one line of a kind
through per interval, saying how many it held back.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

INTERVAL = 60.0  # seconds between two lines of one kind
MAX_LINE = 300  # characters
MAX_KINDS = 1000  # kinds remembered; forgotten all at once past this (memory stays bounded)
# The loggers whose records pass through OneLine: the Socket.IO stack's and the server's.
LOGGERS = ("engineio.server", "socketio.server", "app.server", "app.chat.socket")


def printable(text: str) -> str:
    """`text` with newlines and other control characters written as escapes,
    so no client-supplied text can start a line of its own."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class OneLine(logging.Filter):
    def __init__(self, interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[0] if record.exc_info else None
        kind = error.__name__ if error else str(record.msg)[:40]
        key = (record.name, kind)
        now = self.clock()
        with self._lock:
            if len(self._seen) > MAX_KINDS:
                self._seen.clear()
            last, held = self._seen.get(key, (-math.inf, 0))
            if now - last < self.interval:
                self._seen[key] = (last, held + 1)
                return False
            self._seen[key] = (now, 0)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is still one line
            message = str(record.msg)
        if error:
            message += f" ({error.__name__})"
        if held:
            message += f" [and {held} like it in the last {self.interval:.0f} s]"
        record.msg, record.args = printable(message)[:MAX_LINE], ()
        record.exc_info = record.exc_text = record.stack_info = None
        return True


_installed = OneLine()


def install() -> None:
    """Puts one shared OneLine on each of LOGGERS (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _installed not in logger.filters:
            logger.addFilter(_installed)
