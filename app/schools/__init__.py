"""Schools: the DSL's record of an initial review (``record.py``).

No routes: the record is part of the chat page at the DSL review's outcomes,
rebuilt from the conversation token the page already carries. A template
global gives the chat page the record for its turn.
"""

from __future__ import annotations

from typing import Any

from babel.dates import get_month_names
from flask import Blueprint, current_app

from . import record

bp = Blueprint("schools", __name__)


@bp.app_context_processor
def record_globals() -> dict[str, Any]:
    def dsl_record(turn: dict[str, Any]) -> record.Record | None:
        if turn.get("print") != "record" or turn.get("flow") != record.DSL_FLOW:
            return None
        return record.build(current_app.extensions["safechat"]["engine"], turn["token"])

    def month_names(locale: str) -> list[str]:
        """January..December in the page's language, for the browser's British
        dates (a browser's own Welsh month names may be missing)."""
        return [get_month_names("wide", locale=locale)[m] for m in range(1, 13)]

    return {"dsl_record": dsl_record, "month_names": month_names}
