"""Shared bits of the report endpoints: the per-app service and Problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app, jsonify
from flask_babel import get_locale
from werkzeug.wrappers import Response

from .limits import FailureLimiter
from .reports import Reports

if TYPE_CHECKING:
    from .partner import PartnerTokens

EXTENSION = "safechat.report"


@dataclass
class ReportService:
    reports: Reports
    limiter: FailureLimiter
    partners: PartnerTokens


def service() -> ReportService:
    svc: ReportService = current_app.extensions[EXTENSION]
    return svc


def problem(code: str, status: int, headers: dict[str, str] | None = None) -> Response:
    """The project's Problem body, ``{"error": {"code", "message"}}``, in the page's language."""
    engine = current_app.extensions["safechat"]["engine"]
    resp = jsonify(engine.problem_for(code, str(get_locale() or "en")))
    resp.status_code = status
    resp.headers.update(headers or {})
    return resp
