"""Safeguarding chat: the Flask app factory."""

from __future__ import annotations

import atexit
import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_socketio import SocketIO
from werkzeug.middleware.proxy_fix import ProxyFix

from . import assets, i18n, logs, settings
from .chat.turns import Turns
from .engine import Engine
from .insights.metrics import Metrics
from .limits import RateLimiter
from .safety.service import SafetyService
from .store import Counters, open_db

# One per process, bound to the app in create_app (chat.socket then adds
# the /chat events to its server).
socketio = SocketIO()


def engine_for(cfg: dict[str, Any], catalogs: i18n.Catalogs | None = None) -> Engine:
    """The engine the settings describe; with catalogs, in all their languages."""
    languages: dict[str, Any] = (
        {"locales": catalogs.locales, "translate": catalogs.gettext} if catalogs is not None else {}
    )
    return Engine(
        Path(cfg["FLOWS_DIR"]),
        Path(cfg["CONTENT_DIR"]),
        cfg["SECRET_KEY"],
        max_age=cfg["TOKEN_MAX_AGE"],
        **languages,
    )


def create_app(config: dict[str, Any] | None = None) -> Flask:
    cfg = settings.load(config)
    app = Flask(__name__, instance_path=cfg["INSTANCE_DIR"], instance_relative_config=False)
    app.config.update(
        SAFECHAT=cfg,
        SECRET_KEY=cfg["SECRET_KEY"],
        MAX_CONTENT_LENGTH=cfg["MAX_BODY"],
        TESTING=bool(cfg.get("TESTING", False)),
    )
    settings.private_dir(cfg["INSTANCE_DIR"])
    # Access logs would hold IP addresses and user agents: never write them.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logs.install()  # the Socket.IO stack's and the server's lines: one short line each, rate-limited

    catalogs = i18n.Catalogs(Path(cfg["LOCALES_DIR"]))

    flows = engine_for(cfg, catalogs)
    # routes by the flows just checked; learns their words in every language as ordinary
    flows.safety = SafetyService.for_flows(
        flows.flows, catalogs.gettext, catalogs.locales, set(flows.messages)
    )
    open_db(cfg["DATABASE"]).close()
    counters = Counters(cfg["DATABASE"], spawn=socketio.start_background_task)
    metrics = Metrics(cfg["PROCESS_NAME"])
    if not app.config["TESTING"]:
        atexit.register(counters.flush)  # the last batch, on a clean shutdown
    app.extensions["safechat"] = {
        "engine": flows,
        "counters": counters,
        "catalogs": catalogs,
        "metrics": metrics,
        "turns": Turns(
            flows,
            client=RateLimiter(cfg["RATE_PER_CLIENT"]),
            connection=RateLimiter(cfg["RATE_PER_CONNECTION"]),
            counters=counters,
            metrics=metrics,
        ),
    }
    i18n.init_app(app, catalogs)

    from . import web
    from .chat import bp as chat_bp
    from .chat import socket as chat_socket
    from .parents import bp as parents_bp
    from .report import bp as report_bp
    from .schools import bp as schools_bp

    web.init_app(app)
    assets.init_app(app)
    app.register_blueprint(chat_bp)
    from .review import bp as review_bp  # /review: off unless SAFECHAT_REVIEW=1

    app.register_blueprint(review_bp)
    app.register_blueprint(report_bp)
    app.register_blueprint(parents_bp)
    app.register_blueprint(schools_bp)  # the DSL record on the chat page
    from .insights import bp as insights_bp  # /insights and /metrics: off unless SAFECHAT_INSIGHTS_TOKEN

    app.register_blueprint(insights_bp)

    origins = [o.strip() for o in cfg["ALLOWED_ORIGINS"].split(",") if o.strip()]
    socketio.init_app(
        app,
        async_mode=cfg["ASYNC_MODE"],
        # Several processes behind a load balancer share emits through Redis.
        message_queue=cfg["MESSAGE_QUEUE"] or None,
        # None means same origin only: other sites' pages may not open a chat socket.
        cors_allowed_origins=origins or None,
        max_http_buffer_size=cfg["MAX_BODY"],
        manage_session=False,  # no Flask session is used; copying one per event costs ~20 µs
        serializer=chat_socket.TextPacket,
        logger=False,
        engineio_logger=False,
    )
    chat_socket.init_app(app, socketio)
    if cfg["PROXY_HOPS"]:  # the client address comes from trusted proxies' X-Forwarded-For
        # Outside Socket.IO's middleware, so sockets see the real address too.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=cfg["PROXY_HOPS"], x_proto=cfg["PROXY_HOPS"])  # type: ignore[method-assign]
    return app
