"""``python -m app``: serve on $HOST:$PORT (defaults 127.0.0.1:5000)."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys

from .settings import SettingsError, setting

# gevent must patch the standard library before anything imports socket, ssl
# or threading, and importing this package already has (python-socketio pulls
# in aiohttp and redis). So in that mode only, start again in this same
# process with the patch applied first, keeping the interpreter's options
# (-W, -X …) and the arguments (see README, Performance).
try:
    ASYNC_MODE = setting("ASYNC_MODE")
except SettingsError as exc:
    sys.exit(f"The chat will not start: {exc}")
if ASYNC_MODE == "gevent" and "gevent.monkey" not in sys.modules:
    # Greenlets do not record where they were spawned: a debugging aid that
    # keeps ~33 frame objects per socket for the garbage collector to walk.
    BOOT = (
        "from gevent import config; config.track_greenlet_tree = False; "
        "from gevent import monkey; monkey.patch_all(); import runpy; "
        "runpy.run_module('app', run_name='__main__', alter_sys=True)"
    )
    argv = sys.orig_argv
    options = argv[1 : argv.index("-m")] if "-m" in argv else []
    os.execv(sys.executable, [sys.executable, *options, "-c", BOOT, *sys.argv[1:]])

from . import create_app, socketio
from .engine import ContentError, FlowError
from .safety.model import ModelError
from .serving import serve, tune_gc
from .settings import SettingsError
from .store import Counters


def _flush_every(counters: Counters, seconds: int) -> None:
    """Write this process's counts every `seconds`: a backend that served a
    few turns and fell quiet would otherwise keep them until its next turn."""
    while True:
        socketio.sleep(max(1, seconds))
        try:
            counters.flush()
        except sqlite3.Error as exc:  # a locked or full disk: the counts wait for the next try
            print(f"Counts not written yet: {exc}", file=sys.stderr, flush=True)


def main() -> None:
    try:
        app = create_app()
    except FlowError as exc:
        print(
            "The flows have problems, so the chat will not start:", *exc.problems, sep="\n", file=sys.stderr
        )
        sys.exit(1)
    except (ContentError, SettingsError, ModelError) as exc:
        print(f"The chat will not start: {exc}", file=sys.stderr)
        sys.exit(1)
    tune_gc()
    # A service manager stops us with SIGTERM: keep the last batch of counts.
    counters = app.extensions["safechat"]["counters"]
    signal.signal(signal.SIGTERM, lambda *_: (counters.flush(), os._exit(0)))
    socketio.start_background_task(_flush_every, counters, app.config["SAFECHAT"]["FLUSH_SECONDS"])
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f"Serving on http://{host}:{port}", flush=True)
    serve(app, socketio, host, port)


if __name__ == "__main__":
    main()
