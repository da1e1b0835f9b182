"""JSON over HTTP, and the same chat as plain HTML forms for browsers without
JavaScript."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template, request
from flask_babel import force_locale
from werkzeug.wrappers import Response

from .. import strict_json
from ..engine import Engine
from . import bp
from .turns import Turns

FORM_FIELDS = ("token", "choose", "say", "locale", "start")


def turns() -> Turns:
    return current_app.extensions["safechat"]["turns"]  # type: ignore[no-any-return]


def engine() -> Engine:
    return turns().engine


def take_turn(raw: Any, limited: bool = True) -> tuple[dict[str, Any], bool]:
    return turns().take(raw, request.remote_addr, limited=limited)


@bp.post("/api/v1/turn")
def api_turn() -> tuple[Response, int]:
    if not request.is_json:
        result = engine().problem_for("unsupported_media")
        return jsonify(result), 415
    try:
        raw = strict_json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):  # not strict JSON, or nesting deep enough to blow the stack
        return jsonify(engine().problem_for("bad_request")), 400
    result, ok = take_turn(raw)
    if ok:
        return jsonify(result), 200
    return jsonify(result), 429 if result["error"]["code"] == "rate_limited" else 400


@bp.get("/")
@bp.get("/chat")
def chat_page() -> str:
    raw: dict[str, Any] = {"locale": request.args.get("lang")} if request.args.get("lang") else {}
    # Not rate-limited: the first page always renders (a new conversation is
    # cheap), also for someone whose address is over its limit.
    turn, ok = take_turn(raw, limited=False)
    if not ok:  # an unknown ?lang= : show the page in English, with the reason
        return render_chat(take_turn({}, limited=False)[0], turn["error"], fresh=True)
    return render_chat(turn, fresh=True)


@bp.post("/chat")
def chat_post() -> tuple[str, int]:
    raw = {k: request.form[k] for k in FORM_FIELDS if request.form.get(k)}
    if "say" in request.form and "choose" not in raw and "say" not in raw:
        raw["say"] = request.form["say"]  # an empty box is a problem to explain, not a reload
    result, ok = take_turn(raw)
    if ok:
        return render_chat(result), 200
    if result["error"]["code"] == "rate_limited":  # don't spend another turn re-showing the page
        return render_template("error.html", status=429, message=result["error"]["message"]), 429
    # Stay where we were: show the same step again with the kind message. This
    # is the page answering, not a new turn, so it goes to the engine directly.
    where, still_ok = engine().act({"token": raw["token"]}) if raw.get("token") else ({}, False)
    if not still_ok:
        where, _ = engine().act({})
    return render_chat(where, result["error"]), 400


def render_chat(turn: dict[str, Any], problem: dict[str, Any] | None = None, fresh: bool = False) -> str:
    """`fresh`: a new conversation drawn for a GET, which a script may replace
    with the conversation this tab already had."""
    with force_locale(turn["locale"]):  # the conversation's language, not the browser's
        return render_template("chat.html", turn=turn, problem=problem, locale=turn["locale"], fresh=fresh)
