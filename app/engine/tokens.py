"""The whole conversation state travels in a signed token; the server keeps none.

Keys are short because the token goes back and forth on every turn.
"""

from __future__ import annotations

import functools
import json
from typing import Any, NamedTuple

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

HISTORY_LIMIT = 20  # how far "back" can go; keeps the token small


class Conversation(NamedTuple):
    """Immutable; a NamedTuple because ``_replace`` is several times cheaper
    than ``dataclasses.replace`` and a step makes two or three of them."""

    flow: str
    state: str
    locale: str
    answers: dict[str, Any] = {}  # noqa: RUF012 (never mutated: steps build a new dict)
    steps: int = 0
    history: tuple[tuple[str, str], ...] = ()
    # An overlay sits on top of the current state: "crisis" (help now),
    # "heard" (help now brought by their words), "ask", "answer:<id>", or a
    # tuple of suggested flow ids after unclear free text.
    overlay: str | tuple[str, ...] | None = None
    rated: bool = False  # "Did this help?" was answered: it is not asked again

    def moved(self, flow: str, state: str, answers: dict[str, Any] | None = None) -> Conversation:
        hist = (*self.history, (self.flow, self.state))[-HISTORY_LIMIT:]
        return self._replace(
            flow=flow,
            state=state,
            history=hist,
            overlay=None,
            answers=self.answers if answers is None else answers,
        )


def _step(item: str, flow: str) -> tuple[str, str]:
    """One history entry as written by Tokens.dump: "state" or "flow/state"."""
    other, _, state = item.rpartition("/")
    return (other or flow, state)


class TokenExpired(Exception):
    """A token we signed, too old to go on with. Its language is still the
    person's: `locale` (None if it can't be read), for what they are told next."""

    def __init__(self, locale: str | None = None):
        super().__init__()
        self.locale = locale


class TokenInvalid(Exception):
    pass


class _CachedKeySigner(TimestampSigner):
    """The derived key depends only on the secret and salt; itsdangerous
    recomputes it (an extra HMAC) for every sign and every check."""

    @functools.cached_property
    def _key(self) -> bytes:
        return super().derive_key()

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        return (
            self._key
            if secret_key is None or secret_key == self.secret_keys[-1]
            else super().derive_key(secret_key)
        )


class _Uncompressed(URLSafeTimedSerializer):
    """itsdangerous tries zlib on every dump; for a ~100-byte payload zlib's
    set-up alone costs ~16 µs, more than the rest of a step. Loading still
    accepts either form. One signer is made once and reused."""

    default_signer = _CachedKeySigner

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(json.dumps(obj, separators=(",", ":")).encode())

    @functools.lru_cache(maxsize=4)  # noqa: B019 (one serializer per engine, kept for its life)
    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:  # type: ignore[override]
        return super().make_signer(salt)  # type: ignore[return-value]


class Tokens:
    def __init__(self, secret: str, max_age: int):
        self._s = _Uncompressed(secret, salt="conversation")
        self.max_age = max_age

    def dump(self, c: Conversation) -> str:
        data: dict[str, Any] = {"f": c.flow, "s": c.state, "l": c.locale, "n": c.steps}
        if c.answers:
            data["a"] = c.answers
        if c.history:
            # Most steps back are in the same flow: name only the state then
            # ("coercion"), else "flow/state". Ids never contain "/".
            data["h"] = [s if f == c.flow else f"{f}/{s}" for f, s in c.history]
        if c.overlay is not None:
            data["o"] = c.overlay if isinstance(c.overlay, str) else list(c.overlay)
        if c.rated:
            data["r"] = 1
        return self._s.dumps(data)

    def load(self, token: str) -> Conversation:
        try:
            d = self._s.loads(token, max_age=self.max_age)
        except SignatureExpired as exc:
            raise TokenExpired(_locale_of(self._s, exc.payload)) from exc
        except BadData as exc:
            raise TokenInvalid from exc
        try:
            ov = d.get("o")
            return Conversation(
                flow=str(d["f"]),
                state=str(d["s"]),
                locale=str(d["l"]),
                answers=dict(d.get("a", {})),
                steps=int(d["n"]),
                history=tuple(_step(str(h), str(d["f"])) for h in d.get("h", [])),
                overlay=ov if isinstance(ov, str) or ov is None else tuple(ov),
                rated=bool(d.get("r")),
            )
        except (KeyError, TypeError, ValueError) as exc:  # signed by us, but an older shape
            raise TokenInvalid from exc


def _locale_of(serializer: URLSafeTimedSerializer, payload: Any) -> str | None:
    """The language in a signed but expired token's payload (the signature
    was checked before its age was)."""
    try:
        locale = serializer.load_payload(payload).get("l")
    except (BadData, AttributeError):
        return None
    return locale if isinstance(locale, str) else None
