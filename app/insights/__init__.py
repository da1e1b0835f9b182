"""The operator's view: /insights (charts and tables of the aggregate
counters), /insights.csv and /metrics (Prometheus).

Off (404) unless SAFECHAT_INSIGHTS_TOKEN is set. The token is the password
of HTTP Basic authentication (any user name; browsers ask for it, and no
cookie is set) or a bearer token, compared in constant time. Failed tries
are limited per address (hashed in memory, app/limits.py), checked before
the token is: 10 a minute, then 429 until the minute is over.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import get_locale
from werkzeug.wrappers import Response

from ..limits import RateLimiter
from ..web import problem_response
from . import data, views

bp = Blueprint("insights", __name__)

FAILED_TRIES = "10/60"
REALM = 'Basic realm="Talk it through: insights", charset="UTF-8"'


def _state() -> dict[str, Any]:
    return current_app.extensions["safechat"]  # type: ignore[no-any-return]


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


@bp.before_request
def authenticate() -> Response | None:
    token = current_app.config["SAFECHAT"]["INSIGHTS_TOKEN"]
    if not token:
        abort(404)
    failures: RateLimiter | None = _state().get("insights_failures")
    if failures is None:  # made once, at the first request (a new one would start a fresh count)
        failures = _state().setdefault("insights_failures", RateLimiter(FAILED_TRIES))
    key = failures.key_for_address(request.remote_addr)
    if failures.spent(key):
        return problem_response(429, "rate_limited", {"Retry-After": str(int(failures.window))})
    auth = request.authorization
    given = (auth.password if auth.type == "basic" else auth.token) if auth else None
    # Equal-length digests compared in constant time: the time taken says nothing about the token.
    if given and hmac.compare_digest(_digest(given), _digest(token)):
        return None
    failures.allow(key)
    return problem_response(401, "insights_unauthorized", {"WWW-Authenticate": REALM})


@bp.after_request
def private(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


def _period() -> data.Period | None:
    try:
        return data.period(
            request.args.get("days"), request.args.get("from"), request.args.get("to"), views.today()
        )
    except data.BadPeriod:
        return None


def _cells(p: data.Period) -> dict[data.Key, data.Cell]:
    counters = _state()["counters"]
    counters.flush()  # this process's latest counts; the others write theirs every SAFECHAT_FLUSH_SECONDS
    return data.load(counters.path, p)


@bp.get("/insights")
def page() -> Response | str:
    p = _period()
    if p is None:
        return problem_response(400, "bad_period")
    locale = str(get_locale() or "en")
    built = views.build(
        _state()["engine"],
        _cells(p),
        data.hash_reports(_state()["counters"].path, p),
        p,
        locale,
        request.args.get("flow"),
        _state()["catalogs"].names,
    )
    return render_template(
        "insights/page.html",
        **built,
        period=p,
        args=request.args,
        days=request.args.get("days", "30"),
    )


@bp.get("/insights.csv")
def export() -> Response:
    p = _period()
    if p is None:
        return problem_response(400, "bad_period")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "flow", "state", "count"])
    writer.writerows(data.csv_rows(_cells(p)))
    name = f"insights-{p.start.isoformat()}-{p.end.isoformat()}.csv"
    return current_app.response_class(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/metrics")
def metrics() -> Response:
    return current_app.response_class(
        _state()["metrics"].exposition(), mimetype="text/plain; version=0.0.4; charset=utf-8"
    )
