"""What a client may send, checked before anything else looks at it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

MAX_SAY = 1000
# Every text check normalises first, and NFKD expands some characters up to
# 18 times ("\ufdfa" becomes 18 characters): 1,000 of them would cost the
# crisis check and routing 13 times an ordinary message, on the event loop.
# Typed text is cut to this many characters after normalisation, so none
# costs much more than 1,000 ordinary ones (bench/bench_amplify.py).
MAX_SAY_NORMALISED = 2 * MAX_SAY
MAX_TOKEN = 4096
_KEYS = {"token", "choose", "say", "start", "locale"}


class Problem(Exception):
    """A request the conversation cannot take; it stays where it was."""

    def __init__(self, code: str, *, restart: bool = False, locale: str | None = None):
        super().__init__(code)
        self.code = code
        self.restart = restart  # offer "start again" (the token can't be used)
        self.locale = locale  # the conversation's language, where reading its token told it


@dataclass(frozen=True)
class Action:
    token: str | None = None
    choose: str | None = None
    say: str | None = None
    start: str | None = None
    locale: str | None = None


def _short_str(v: Any, limit: int) -> str:
    if not isinstance(v, str) or len(v) > limit:
        raise Problem("bad_request")
    return v


def bounded(text: str) -> str:
    """`text`, or its NFKD form cut to MAX_SAY_NORMALISED characters if that
    is longer. NFKD is what the checks compare anyway (and NFKC is the same
    text composed again), so the cut loses only the tail."""
    decomposed = unicodedata.normalize("NFKD", text)
    return text if len(decomposed) <= MAX_SAY_NORMALISED else decomposed[:MAX_SAY_NORMALISED]


def typed(raw: Any) -> str | None:
    """The words a person typed, read before anything else about the action
    is checked (a malformed action, too long a message, an unusable token),
    so that words of danger are always seen; None if there are none. Cut
    first to MAX_SAY_NORMALISED characters, which is all `bounded` could
    keep, so an over-long message costs no more than a long ordinary one."""
    text = raw.get("say") if isinstance(raw, dict) else None
    if not isinstance(text, str) or not text.strip():
        return None
    return bounded(text[:MAX_SAY_NORMALISED])


def parse_action(raw: Any) -> Action:
    if not isinstance(raw, dict) or set(raw) - _KEYS:
        raise Problem("bad_request")
    vals = {k: v for k, v in raw.items() if v is not None}
    if "say" in vals:
        if not isinstance(vals["say"], str):
            raise Problem("bad_request")
        if len(vals["say"]) > MAX_SAY:
            raise Problem("text_too_long")
        if not vals["say"].strip():
            raise Problem("empty_text")
        vals["say"] = bounded(vals["say"])
    if "choose" in vals and "say" in vals:
        raise Problem("bad_request")
    for key, limit in (("token", MAX_TOKEN), ("choose", 64), ("start", 64), ("locale", 16)):
        if key in vals:
            _short_str(vals[key], limit)
    return Action(**vals)
