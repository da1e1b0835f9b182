"""Request bodies read as strict JSON, the same for every JSON endpoint."""

from __future__ import annotations

import json
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


def loads(body: bytes) -> Any:
    """The JSON value in `body`; ValueError for anything that is not strict
    JSON (bad syntax or UTF-8, NaN/Infinity, a repeated key: DuplicateKey)
    and RecursionError for absurd nesting."""
    return json.loads(body, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)
