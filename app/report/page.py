"""The /fingerprints page: fingerprints made in the browser, on the person's own
device. It is an extra beside Childline's Report Remove, never presented as it
(GUIDANCE §4), so its address says what it does."""

from __future__ import annotations

from flask import redirect, render_template, request
from werkzeug.wrappers import Response

from . import bp
from .validate import MAX_HASHES

CHILDLINE_REPORT_REMOVE = (
    "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/"
    "remove-nude-image-shared-online/"
)
TAKE_IT_DOWN = "https://takeitdown.ncmec.org/"


@bp.get("/fingerprints")
def fingerprints() -> str:
    return render_template(
        "report/page.html",
        childline_url=CHILDLINE_REPORT_REMOVE,
        take_it_down_url=TAKE_IT_DOWN,
        max_hashes=MAX_HASHES,
    )


@bp.get("/report-remove")
def old_address() -> Response:
    """The page's first address, kept for links and bookmarks: a permanent
    redirect that keeps the query (``?lang=cy``)."""
    query = request.query_string.decode("ascii", "replace")
    return redirect("/fingerprints" + (f"?{query}" if query else ""), code=308)
