"""The three transports. Each turns a request into ``Turns.take`` and the
result into a response; none holds flow logic."""

from flask import Blueprint

bp = Blueprint("chat", __name__)

from . import http  # noqa: E402,F401  (registers the routes; socket.init_app the events)
