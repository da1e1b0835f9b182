"""``/review``: every flow as a diagram beside its words, for the people who
sign off safeguarding advice without reading YAML.

Off unless ``SAFECHAT_REVIEW=1`` (404 otherwise): it is an internal page for
reviewers, not part of the chat.

Content-Security-Policy: Mermaid draws each diagram as an SVG carrying its
own ``<style>`` element and ``style`` attributes, which the site-wide
``style-src 'self'`` blocks. This page alone, and only when it is on, allows
inline styles (``style-src 'self' 'unsafe-inline'``). Scripts stay as strict
as everywhere else: no inline script, no eval (Mermaid runs with
``securityLevel: 'strict'``). Every other page keeps the site-wide policy.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template

from ..engine import Engine
from ..engine.content import load_sources
from ..engine.diagram import mermaid
from ..engine.flows import AUDIENCES, Flow
from ..engine.paths import LIMIT, TooManyPaths, transcript, walk
from ..web import CSP

bp = Blueprint("review", __name__, url_prefix="/review")


def with_inline_styles(csp: str) -> str:
    """The same policy, with ``'unsafe-inline'`` added to ``style-src`` only."""
    parts = [p.strip() for p in csp.split(";") if p.strip()]
    if not any(p.startswith("style-src ") for p in parts):
        parts.append("style-src 'self'")
    return "; ".join(
        f"{p} 'unsafe-inline'" if p.startswith("style-src ") and "'unsafe-inline'" not in p else p
        for p in parts
    )


REVIEW_CSP = with_inline_styles(CSP)


@bp.before_request
def only_when_on() -> None:
    if not current_app.config["SAFECHAT"].get("REVIEW"):
        abort(404)


@bp.after_request
def review_headers(resp: Response) -> Response:
    if current_app.config["SAFECHAT"].get("REVIEW") and resp.status_code == 200:
        resp.headers["Content-Security-Policy"] = REVIEW_CSP
        resp.headers["X-Robots-Tag"] = "noindex"
    return resp


def _engine() -> Engine:
    return current_app.extensions["safechat"]["engine"]  # type: ignore[no-any-return]


def _year_ago(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def _state_view(
    engine: Engine, flow: Flow, sid: str, sources: dict[str, Any], stale: dt.date
) -> dict[str, Any]:
    st = flow.states[sid]
    messages = []
    for cid in st.say:
        msg = engine.messages[cid]
        messages.append(
            {
                "id": cid,
                "html": msg.html,
                "kind": msg.kind,
                "reviewed": msg.reviewed,
                "stale": msg.reviewed < stale,
                "sources": [{"id": s, **(sources.get(s) or {})} for s in msg.sources],
            }
        )
    options = []
    for opt in st.options:
        goes: list[dict[str, Any]]
        if opt.flow is not None:
            goes = [{"flow": opt.flow, "title": engine.flows[opt.flow].title}]
        else:
            goes = [
                {"when": br.when, "state": br.go, "branching": len(opt.branches) > 1} for br in opt.branches
            ]
        options.append({"id": opt.id, "label": opt.label, "set": dict(opt.set), "goes": goes})
    return {
        "id": sid,
        "start": sid == flow.start,
        "end": st.end,
        "handoff": st.handoff,
        "print": st.print,
        "accepts_text": st.accepts_text,
        "messages": messages,
        "options": options,
    }


@bp.get("")
def index() -> str:
    engine = _engine()
    sources = load_sources(Path(current_app.config["SAFECHAT"]["CONTENT_DIR"]))
    stale = _year_ago(dt.date.today())
    order = {a: i for i, a in enumerate(AUDIENCES)}
    flows = []
    for flow in sorted(engine.flows.values(), key=lambda f: (order.get(f.audience, 99), f.id)):
        flows.append(
            {
                "id": flow.id,
                "title": flow.title,
                "audience": flow.audience,
                "path": flow.path,
                "diagram": mermaid(flow),
                "paths": _path_count(engine, flow.id),
                "states": [_state_view(engine, flow, sid, sources, stale) for sid in flow.states],
            }
        )
    labels = engine.settings["labels"]
    return render_template(
        "review/index.html",
        flows=flows,
        sources=sources,
        globals=[labels[g] for g in ("help_now", "back", "start_again")],
    )


def _path_count(engine: Engine, flow_id: str) -> int | str:
    try:
        return len(walk(engine, flow_id))
    except TooManyPaths:  # `flask flows check` reports it; the page still shows
        return f"more than {LIMIT}"


@bp.get("/<flow_id>/transcripts.txt")
def transcripts(flow_id: str) -> Response:
    engine = _engine()
    if flow_id not in engine.flows:
        abort(404)
    try:
        return Response(transcript(engine, flow_id), mimetype="text/plain")
    except TooManyPaths as exc:
        return Response(f"{exc}: too many to transcribe (see flask flows check)\n", mimetype="text/plain")
