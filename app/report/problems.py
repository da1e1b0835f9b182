"""The report endpoints' per-app service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

from ..limits import RateLimiter
from .limits import DailyQuota, FailureLimiter
from .reports import Reports

if TYPE_CHECKING:
    from .partner import PartnerTokens

EXTENSION = "safechat.report"


@dataclass
class ReportService:
    reports: Reports
    limiter: FailureLimiter
    per_address: RateLimiter
    partners: PartnerTokens
    quota: DailyQuota
    review: bool  # new reports wait as Pending until released (SAFECHAT_REPORTS_REVIEW)


def service() -> ReportService:
    svc: ReportService = current_app.extensions[EXTENSION]
    return svc
