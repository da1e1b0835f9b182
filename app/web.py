"""What every page shares: security headers, error pages that never leak
detail, refusing uploads, and the always-available help page."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from babel.dates import get_month_names
from flask import Flask, current_app, jsonify, render_template, request
from flask.sessions import SessionInterface
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from app import strict_yaml

from .engine.actions import MAX_TOKEN

# hash-wasm compiles WebAssembly, which CSP governs as 'wasm-unsafe-eval';
# it allows no JavaScript eval and no inline script.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# No endpoint takes files: fingerprints are made in the browser.
REFUSED_TYPES = ("multipart/", "application/octet-stream", "image/", "video/", "audio/")
PROBLEM_BY_STATUS = {413: "too_large", 415: "unsupported_media", 429: "rate_limited"}


@functools.cache
def _sources(content_dir: str) -> list[dict[str, str]]:
    """Where the words come from (content/sources.yaml), for the About page."""
    raw = strict_yaml.load((Path(content_dir) / "sources.yaml").read_text(encoding="utf-8")) or {}
    return [
        {
            "title": str(s["title"]),
            "publisher": str(s.get("publisher") or "").split(" (")[0],  # without the notes to authors
            "url": str(s["url"]),
        }
        for key, s in raw.items()
        # "project" is the chat's words about itself, which this page is
        if key != "project" and isinstance(s, dict) and s.get("url") and s.get("title")
    ]


@functools.cache
def _month_names(locale: str) -> str:
    """The months in the page's language, from Babel's CLDR data, for dates
    the browser writes (Chromium's own data lacks some languages, Welsh among them)."""
    return ",".join(get_month_names("wide", locale=locale).values())


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def problem_response(status: int, code: str | None = None, headers: dict[str, str] | None = None) -> Response:
    """A Problem as JSON under /api/, else as a kind page. `code` defaults to
    the usual one for the status."""
    engine = current_app.extensions["safechat"]["engine"]
    code = code or PROBLEM_BY_STATUS.get(status, "bad_request")
    body = engine.problem_for(code, str(get_locale() or "en"))
    if _wants_json():
        resp = jsonify(body)
    else:
        html = render_template("error.html", status=status, message=body["error"]["message"])
        resp = current_app.response_class(html, mimetype="text/html")
    resp.status_code = status
    resp.headers.update(headers or {})
    return resp


class NoSessions(SessionInterface):
    """The chat sets no cookies. Flask then gives every request a null
    session, which refuses writes, instead of checking a signed cookie."""

    def open_session(self, app: Flask, request: Any) -> None:
        return None

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        return None


def init_app(app: Flask) -> None:
    app.session_interface = NoSessions()

    @app.before_request
    def refuse_uploads() -> Response | None:
        ctype = (request.content_type or "").lower()
        if request.method in ("POST", "PUT", "PATCH") and ctype.startswith(REFUSED_TYPES):
            return problem_response(415)
        return None

    @app.after_request
    def security_headers(resp: Response) -> Response:
        for name, value in HEADERS.items():
            resp.headers.setdefault(name, value)
        if resp.mimetype == "text/html":
            resp.headers["Cache-Control"] = "no-store"  # pages may show a conversation
        return resp

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return problem_response(exc.code or 400)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        # Log the kind of failure, never the request (it may hold typed text).
        app.logger.error("unhandled %s on %s", type(exc).__name__, request.endpoint)
        return problem_response(500)

    @app.get("/help")
    def help_page() -> str:
        engine = current_app.extensions["safechat"]["engine"]
        locale = str(get_locale() or "en")
        messages = [engine.render(engine.messages[i], locale) for i in engine.settings["help_now"]]
        # ?t= (a conversation token, from the chat without JavaScript) only
        # makes "Back to the chat" return to the same step.
        back = request.args.get("t") if len(request.args.get("t", "")) <= MAX_TOKEN else None
        return render_template("help.html", messages=messages, chat_token=back)

    @app.get("/about")
    def about_page() -> str:
        return render_template("about.html", sources=_sources(current_app.config["SAFECHAT"]["CONTENT_DIR"]))

    @app.context_processor
    def page_globals() -> dict[str, Any]:
        cfg = current_app.config["SAFECHAT"]
        catalogs = current_app.extensions["safechat"]["catalogs"]
        locale = str(get_locale() or "en")
        return {
            "exit_url": cfg["EXIT_URL"],
            "locale": locale,
            "languages": catalogs.names,
            "month_names": _month_names(locale),
        }
