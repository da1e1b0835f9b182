"""``python -m app``: serve on $HOST:$PORT (defaults 127.0.0.1:5000)."""

from __future__ import annotations

import os
import sys

from . import create_app, socketio
from .engine import ContentError, FlowError
from .settings import SettingsError


def main() -> None:
    try:
        app = create_app()
    except FlowError as exc:
        print("The flows have problems, so the chat will not start:", *exc.problems, sep="\n", file=sys.stderr)
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
