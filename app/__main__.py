"""``python -m app``: serve on $HOST:$PORT (defaults 127.0.0.1:5000)."""

from __future__ import annotations

import os
import sys

from .settings import DEFAULTS, PREFIX

# gevent must patch the standard library before anything imports socket, ssl
# or threading, and importing this package already has (python-socketio pulls
# in aiohttp and redis). So in that mode only, start again in this same
# process with the patch applied first (see README, Performance).
ASYNC_MODE = os.environ.get(PREFIX + "ASYNC_MODE") or DEFAULTS["ASYNC_MODE"][0]
if ASYNC_MODE == "gevent" and "gevent.monkey" not in sys.modules:
    BOOT = (
        "from gevent import monkey; monkey.patch_all(); import runpy; "
        "runpy.run_module('app', run_name='__main__', alter_sys=True)"
    )
    os.execv(sys.executable, [sys.executable, "-c", BOOT])

from . import create_app, socketio  # noqa: E402
from .engine import ContentError, FlowError  # noqa: E402
from .settings import SettingsError  # noqa: E402


def main() -> None:
    try:
        app = create_app()
    except FlowError as exc:
        print(
            "The flows have problems, so the chat will not start:", *exc.problems, sep="\n", file=sys.stderr
        )
        sys.exit(1)
    except (ContentError, SettingsError) as exc:
        print(f"The chat will not start: {exc}", file=sys.stderr)
        sys.exit(1)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f"Serving on http://{host}:{port}", flush=True)
    # log_output=False: access logs would record IP addresses.
    socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=True)


if __name__ == "__main__":
    main()
