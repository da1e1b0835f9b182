"""A Flask-SocketIO server for comparison, with no engine: the same packages
and async mode as the app (``SAFECHAT_ASYNC_MODE``). It answers ``act`` on
/chat with a canned turn about the size of a real one, so `bench/load.py`
can report the project's turns/s as a fraction of what the transport alone
manages.

    HOST=127.0.0.1 PORT=5001 python -m bench.echo_server               # bare
    ECHO_LIKE_APP=1 HOST=127.0.0.1 PORT=5001 python -m bench.echo_server

Bare: Flask-SocketIO used as its documentation shows (the issue's echo).
ECHO_LIKE_APP=1: the transport as the app sets it up (app/chat/socket.py,
app/serving.py), so app ÷ this echo is what the engine itself costs.
"""

from __future__ import annotations

import os

MODE = os.environ.get("SAFECHAT_ASYNC_MODE", "gevent")
LIKE_APP = os.environ.get("ECHO_LIKE_APP") == "1"
if MODE == "gevent":  # before anything else imports socket, ssl or threading
    from gevent import config, monkey

    if LIKE_APP:
        config.track_greenlet_tree = False  # as `python -m app` sets it
    monkey.patch_all()

from typing import Any  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, emit  # noqa: E402

_TEXT = (
    "Hi. This is a safe place to get help with nude pictures, being pressured, or being blackmailed online. "
)
# Shaped like a real welcome turn (~1.3 KB of JSON): the same fields, similar words.
CANNED: dict[str, Any] = {
    "token": (
        "eyJmIjoid2VsY29tZSIsInMiOiJhdWRpZW5jZSIsImwiOiJlbiIsIm4iOjB9.awHygw.TGg-nmRF5pBRu3faWQylXP62TA8"
    ),
    "flow": "echo",
    "state": "echo",
    "locale": "en",
    "messages": [{"id": f"echo.m{i}", "html": f"<p>{_TEXT * 2}</p>\n", "text": _TEXT * 2} for i in range(3)],
    "options": [
        {"id": "young_person", "label": "I'm under 18"},
        {"id": "parent", "label": "I'm a parent or carer"},
        {"id": "help_now", "label": "Help now", "global": True},
    ],
    "accepts_text": True,
    "crisis": False,
    "end": False,
    "handoff": None,
    "print": None,
}

app = Flask(__name__)


@app.get("/help")
def help_page() -> str:
    return "ok"


if LIKE_APP:
    from app.chat.socket import NAMESPACE, TextPacket, handle_in_order
    from app.serving import tune_gc

    socketio = SocketIO(app, async_mode=MODE, serializer=TextPacket, logger=False, engineio_logger=False)
    server = socketio.server

    def on_act_like_app(sid: str, *_data: Any) -> None:
        server.emit("turn", CANNED, to=sid, namespace=NAMESPACE, ignore_queue=True)

    server.on("act", on_act_like_app, namespace=NAMESPACE)
    handle_in_order(server)
else:
    socketio = SocketIO(app, async_mode=MODE, logger=False, engineio_logger=False)

    @socketio.on("act", namespace="/chat")
    def on_act(_data: Any = None, *_extra: Any) -> None:
        emit("turn", CANNED)


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5001"))
    if LIKE_APP:
        tune_gc()
    print(f"Echo serving on http://{host}:{port} ({MODE}{', like the app' if LIKE_APP else ''})", flush=True)
    socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=True)


if __name__ == "__main__":
    main()
