"""Report Remove hand-off: the page that fingerprints files in the browser,
hash reports (case reference + PIN), and the partner export."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("report", __name__)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    from ..limits import RateLimiter
    from .limits import DailyQuota, FailureLimiter
    from .partner import PartnerTokens
    from .problems import EXTENSION, ReportService
    from .reports import Reports

    cfg = state.app.config["SAFECHAT"]
    state.app.extensions[EXTENSION] = ReportService(
        reports=Reports(cfg["DATABASE"]),
        limiter=FailureLimiter(cfg["DATABASE"]),
        per_address=RateLimiter(cfg["RATE_HASH_REPORTS"]),
        partners=PartnerTokens(cfg["PARTNER_TOKENS"]),
        quota=DailyQuota(cfg["DATABASE"], cfg["REPORTS_PER_DAY"], cfg["SECRET_KEY"]),
        review=bool(cfg["REPORTS_REVIEW"]),
    )


from . import api, page, partner  # noqa: E402,F401  (registers the routes)
