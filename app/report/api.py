"""Hash reports from the young person: submit fingerprints, check, withdraw.
JSON only (no files can be sent: app/web.py refuses uploads and caps bodies);
the PIN travels in the body of a POST, never in a URL."""

from __future__ import annotations

from flask import current_app, jsonify, request
from werkzeug.wrappers import Response

from ..web import problem_response
from . import bp, validate
from .problems import service
from .reports import Case
from .validate import Invalid

Reply = Response | tuple[Response, int]


def _json_body() -> dict[str, object]:
    if request.mimetype != "application/json":
        raise Invalid("unsupported_media")
    return validate.parse_json(request.get_data(cache=False))


@bp.errorhandler(Invalid)
def invalid_body(exc: Invalid) -> Response:
    """A body that is not exactly right gets its Problem; nothing is changed."""
    return problem_response(415 if exc.code == "unsupported_media" else 400, exc.code)


def _over_address_limit() -> Reply | None:
    """Every submission and PIN check costs a slow scrypt: limit them per address."""
    limiter = service().per_address
    if limiter.allow(limiter.key_for_address(request.remote_addr)):
        return None
    current_app.extensions["safechat"]["metrics"].limited()
    return problem_response(429, "rate_limited")


@bp.post("/api/v1/hash-reports")
def create_report() -> Reply:
    if over := _over_address_limit():
        return over
    report = validate.new_report(_json_body())
    svc = service()
    wait = svc.quota.take(request.remote_addr)
    if wait:
        return problem_response(429, "too_many_reports", {"Retry-After": str(wait)})
    case = svc.reports.create(report, held=svc.review)
    current_app.extensions["safechat"]["metrics"].hash_report()
    return jsonify(case.as_dict()), 201


def _logged_in() -> Case | Reply:
    """The case for this reference and PIN, or the Problem to answer with."""
    if over := _over_address_limit():
        return over
    login = validate.case_login(_json_body())
    svc = service()
    wait = svc.limiter.attempt(login.case_reference)
    if wait:
        return problem_response(429, "too_many_tries", {"Retry-After": str(wait)})
    case = svc.reports.login(login.case_reference, login.pin)
    if case is None:  # no such case and wrong PIN: one answer (the try stays counted)
        return problem_response(404, "case_not_found")
    svc.limiter.succeeded(login.case_reference)
    return case


@bp.post("/api/v1/hash-reports/status")
def report_status() -> Reply:
    case = _logged_in()
    if not isinstance(case, Case):
        return case
    return jsonify(case.as_dict()), 200


@bp.post("/api/v1/hash-reports/withdraw")
def withdraw_report() -> Reply:
    case = _logged_in()
    if not isinstance(case, Case):
        return case
    withdrawn = service().reports.withdraw(case.case_reference)
    assert withdrawn is not None  # reports are never deleted
    return jsonify(withdrawn.as_dict()), 200


@bp.after_request
def no_store(resp: Response) -> Response:
    """Case references, statuses and exports are never cached anywhere."""
    resp.headers["Cache-Control"] = "no-store"
    return resp
