"""The three transports. Each turns a request into ``engine.act`` and the
result into a response; none holds flow logic."""

from flask import Blueprint

bp = Blueprint("chat", __name__)

from . import http, socket  # noqa: E402,F401  (registers the routes and events)
