"""Running CPU-bound work without stalling every open chat.

Under gevent (the default server) all sockets share one thread: work that
holds it for milliseconds holds up every other person's turn. gevent's
thread pool runs the work in a real thread instead; the interpreter then
switches between it and the event loop every few milliseconds, so no one
waits for the whole of it. With real threads (SAFECHAT_ASYNC_MODE=threading)
the work simply runs where it is.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def off_the_event_loop(work: Callable[[], T]) -> T:
    if "gevent.monkey" in sys.modules and sys.modules["gevent.monkey"].is_module_patched("threading"):
        import gevent

        return gevent.get_hub().threadpool.apply(work)  # type: ignore[no-any-return]
    return work()
