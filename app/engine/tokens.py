"""The whole conversation state travels in a signed token; the server keeps none.

Keys are short because the token goes back and forth on every turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

HISTORY_LIMIT = 20  # how far "back" can go; keeps the token small


@dataclass(frozen=True)
class Conversation:
    flow: str
    state: str
    locale: str
    answers: dict[str, Any] = field(default_factory=dict)
    steps: int = 0
    history: tuple[tuple[str, str], ...] = ()
    # An overlay sits on top of the current state: "crisis" (help now) or a
    # tuple of suggested flow ids after unclear free text.
    overlay: str | tuple[str, ...] | None = None

    def moved(self, flow: str, state: str, answers: dict[str, Any] | None = None) -> Conversation:
        hist = (*self.history, (self.flow, self.state))[-HISTORY_LIMIT:]
        return replace(self, flow=flow, state=state, history=hist, overlay=None,
                       answers=self.answers if answers is None else answers)


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


class Tokens:
    def __init__(self, secret: str, max_age: int):
        self._s = URLSafeTimedSerializer(secret, salt="conversation")
        self.max_age = max_age

    def dump(self, c: Conversation) -> str:
        data: dict[str, Any] = {"f": c.flow, "s": c.state, "l": c.locale, "n": c.steps}
        if c.answers:
            data["a"] = c.answers
        if c.history:
            data["h"] = [list(h) for h in c.history]
        if c.overlay is not None:
            data["o"] = c.overlay if isinstance(c.overlay, str) else list(c.overlay)
        return self._s.dumps(data)

    def load(self, token: str) -> Conversation:
        try:
            d = self._s.loads(token, max_age=self.max_age)
        except SignatureExpired as exc:
            raise TokenExpired from exc
        except BadData as exc:
            raise TokenInvalid from exc
        try:
            ov = d.get("o")
            return Conversation(
                flow=str(d["f"]), state=str(d["s"]), locale=str(d["l"]),
                answers=dict(d.get("a", {})), steps=int(d["n"]),
                history=tuple((str(f), str(s)) for f, s in d.get("h", [])),
                overlay=ov if isinstance(ov, str) or ov is None else tuple(ov),
            )
        except (KeyError, TypeError, ValueError) as exc:  # signed by us, but an older shape
            raise TokenInvalid from exc
