"""The /report-remove page: fingerprinting happens in the browser."""

from __future__ import annotations

from flask import render_template

from . import bp
from .validate import MAX_HASHES

CHILDLINE_REPORT_REMOVE = (
    "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/"
    "remove-nude-image-shared-online/"
)
TAKE_IT_DOWN = "https://takeitdown.ncmec.org/"


@bp.get("/report-remove")
def report_remove() -> str:
    return render_template(
        "report/page.html",
        childline_url=CHILDLINE_REPORT_REMOVE,
        take_it_down_url=TAKE_IT_DOWN,
        max_hashes=MAX_HASHES,
    )
