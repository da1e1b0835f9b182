"""JSON over HTTP, and the same chat as plain HTML forms for browsers without
JavaScript."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from werkzeug.wrappers import Response

from .. import strict_json
from ..engine import Engine
from ..engine.flows import FEEDBACK_ANSWERS
from ..engine.tokens import Conversation
from ..engine.trail import trail
from . import bp
from .turns import Turns

FORM_FIELDS = ("token", "choose", "say", "locale", "start")


def turns() -> Turns:
    return current_app.extensions["safechat"]["turns"]  # type: ignore[no-any-return]


def engine() -> Engine:
    return turns().engine


def take_turn(raw: Any, limited: bool = True, transport: str = "form") -> tuple[dict[str, Any], bool]:
    return turns().take(raw, request.remote_addr, limited=limited, transport=transport)


@bp.post("/api/v1/turn")
def api_turn() -> tuple[Response, int]:
    if not request.is_json:
        result = engine().problem_for("unsupported_media")
        return jsonify(result), 415
    try:
        raw = strict_json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):  # not strict JSON, or nesting deep enough to blow the stack
        return jsonify(engine().problem_for("bad_request")), 400
    result, ok = take_turn(raw, transport="api")
    if ok:
        return jsonify(result), 200
    return jsonify(result), 429 if result["error"]["code"] == "rate_limited" else 400


@bp.get("/")
@bp.get("/chat")
def chat_page() -> str:
    """A new conversation in the page's language (?lang=, else the browser's
    Accept-Language), or, with ?t=, the step a token is at: where a form
    post sends the browser, so history holds pages that can be reloaded.
    Not rate-limited: a page always renders (showing a step is cheap), also
    for someone whose address is over its limit. Re-showing a step is not a
    move, so nothing is counted; the token is read once, and the steps so
    far and the DSL's record are drawn from what it was read as."""
    token = request.args.get("t")
    if token:
        turn, c = engine().show(token, _page_locale())
        if c is not None:
            problem = _problem(request.args.get("problem"), turn["locale"])
            thanks = request.args.get("thanks") == "1"
            return render_chat(turn, problem, ask=request.args.get("ask"), conversation=c, thanks=thanks)
        # afresh, in the language the problem is explained in: the token's own, if it still says
        return render_chat(take_turn({"locale": turn["locale"]}, limited=False)[0], turn["error"], fresh=True)
    asked = request.args.get("lang")
    turn, ok = take_turn({"locale": asked} if asked else {"locale": _page_locale()}, limited=False)
    if not ok:  # an unknown ?lang= : show the page in English, with the reason
        return render_chat(take_turn({}, limited=False)[0], turn["error"], fresh=True)
    return render_chat(turn, _problem(request.args.get("problem"), turn["locale"]), fresh=True)


@bp.post("/chat")
def chat_post() -> Response | tuple[str, int]:
    """Post/redirect/get: every answer is a redirect to a page that can be
    reloaded or gone back to, never a form to send again. Only the token and
    a problem's code go in the address, never what was typed."""
    raw = {k: request.form[k] for k in FORM_FIELDS if request.form.get(k)}
    if "say" in request.form and "choose" not in raw and "say" not in raw:
        raw["say"] = request.form["say"]  # an empty box is a problem to explain, not a reload
    # Ask before wiping the conversation; but typed words go to the engine
    # first whatever else came with them, to be checked for danger.
    asks_restart = raw.get("choose") == "start_again" and raw.get("token") and "say" not in raw
    if asks_restart and not request.form.get("sure"):
        return _to_chat(raw["token"], ask="start_again")
    result, ok = take_turn(raw)
    if ok:  # an answer to "Did this help?" is thanked on the page it redirects to
        return _to_chat(result["token"], thanks=raw.get("choose") in FEEDBACK_ANSWERS)
    code = result["error"]["code"]
    if code == "rate_limited":  # don't spend another turn re-showing the page
        return render_template("error.html", status=429, message=result["error"]["message"]), 429
    # Stay where we were and say why; a token that can't be used starts afresh
    # (the page reading it says so, if the problem was another).
    unusable = "options" in result["error"]  # only a token that can't be used offers Start again
    return _to_chat(None if unusable else raw.get("token"), problem=code)


def _page_locale() -> str:
    return str(get_locale() or "en")


def _problem(code: str | None, locale: str) -> dict[str, Any] | None:
    """A problem named in the address, if it is one we can explain."""
    if not code or f"common.problems.{code}" not in engine().messages:
        return None
    return engine().problem_for(code, locale)["error"]  # type: ignore[no-any-return]


def _to_chat(
    token: str | None, problem: str | None = None, ask: str | None = None, thanks: bool = False
) -> Response:
    # "#now": the browser scrolls past the conversation so far to the new step.
    anchor = "now" if token else None
    thanked = "1" if thanks else None
    return redirect(
        url_for("chat.chat_page", t=token, problem=problem, ask=ask, thanks=thanked, _anchor=anchor), 303
    )


def render_chat(
    turn: dict[str, Any],
    problem: dict[str, Any] | None = None,
    fresh: bool = False,
    ask: str | None = None,
    conversation: Conversation | None = None,
    thanks: bool = False,
) -> str:
    """`fresh`: a new conversation drawn for a GET, which a script may replace
    with the conversation this tab already had. Otherwise `conversation` is
    what the turn's token was read as: the steps before this one are drawn
    from it, so the conversation so far stays on screen."""
    past = trail(engine(), conversation) if conversation is not None else []
    with force_locale(turn["locale"]):  # the conversation's language, not the browser's
        return render_template(
            "chat.html",
            turn=turn,
            past=past,
            problem=problem,
            locale=turn["locale"],
            fresh=fresh,
            conversation=conversation,
            ask=ask if ask == "start_again" else None,
            thanks=engine().thanks(turn["locale"]) if thanks else None,
        )
