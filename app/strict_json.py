"""Request bodies read as strict JSON, the same for every JSON endpoint."""

from __future__ import annotations

import json
import math
from typing import Any


class DuplicateKey(ValueError):
    """An object names a key twice. Parsers disagree on which value wins, so
    a proxy or log and the app could read different requests: refused."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise DuplicateKey
    return data


def _no_constants(_name: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999
        raise ValueError("number out of range")
    return value


def loads(body: bytes | str) -> Any:
    """The JSON value in `body`; ValueError for anything that is not strict
    JSON (not UTF-8 — json.loads would also guess UTF-16/32 — a byte-order
    mark, bad syntax, NaN/Infinity or numbers beyond them, a repeated key:
    DuplicateKey) and RecursionError for absurd nesting."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body  # UnicodeDecodeError is a ValueError
    return json.loads(
        text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants, parse_float=_finite
    )
