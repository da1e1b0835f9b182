"""Schools: the DSL's record of an initial review (``record.py``).

No routes: the record is part of the chat page at the DSL review's outcomes,
rebuilt from the conversation token the page already carries (and has read). A template
global gives the chat page the record for its turn.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from ..engine.tokens import Conversation
from . import record

bp = Blueprint("schools", __name__)


@bp.app_context_processor
def record_globals() -> dict[str, Any]:
    def dsl_record(turn: dict[str, Any], conversation: Conversation | None) -> record.Record | None:
        """`conversation`: what the page read the turn's token as (it is read once)."""
        if turn.get("print") != "record" or conversation is None:
            return None
        return record.build(current_app.extensions["safechat"]["engine"], conversation)

    return {"dsl_record": dsl_record}
