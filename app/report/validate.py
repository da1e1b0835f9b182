"""Strict checks on what the hash-report endpoints are sent. Anything not
exactly right is refused with a Problem code (content/en/common/problems/)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import strict_yaml

from .. import strict_json
from . import refs

# signal type -> lowercase hex length
SIGNAL_TYPES = {
    "ImagePDQ": 64,
    "ImageMD5": 32,
    "ImageSHA256": 64,
    "VideoMD5": 32,
    "VideoSHA256": 64,
}
AGE_RANGES = ("under_13", "13_15", "16_17")
MAX_HASHES = 100
_HEX = {n: re.compile(f"[0-9a-f]{{{n}}}") for n in set(SIGNAL_TYPES.values())}
# PDQ quality (0-100) below this is too plain to match copies reliably and
# matches unrelated images: ThreatExchange's PDQ notes say to drop such
# hashes (the report page warns about them at the same floor).
PDQ_QUALITY_FLOOR = 50
_HERE = Path(__file__).parent
TRIVIAL: dict[str, frozenset[str]] = {
    kind: frozenset(values)
    for kind, values in strict_yaml.load((_HERE / "trivial_hashes.yaml").read_text(encoding="utf-8")).items()
}
COMMON_PINS = frozenset(
    line.strip()
    for line in (_HERE / "common_pins.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


class Invalid(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Hash:
    signal_type: str
    value: str
    quality: int | None = None


@dataclass(frozen=True)
class NewReport:
    hashes: tuple[Hash, ...]
    pin: str
    age_range: str | None


@dataclass(frozen=True)
class CaseLogin:
    case_reference: str
    pin: str


def parse_json(body: bytes) -> dict[str, Any]:
    try:
        data = strict_json.loads(body)
    except strict_json.DuplicateKey as exc:
        raise Invalid("unknown_field") from exc
    except (ValueError, RecursionError) as exc:  # bad JSON or UTF-8, or absurd nesting
        raise Invalid("bad_request") from exc
    if not isinstance(data, dict):
        raise Invalid("bad_request")
    return data


def _only(data: dict[str, Any], required: set[str], optional: frozenset[str] = frozenset()) -> None:
    if set(data) - required - optional:
        raise Invalid("unknown_field")


def _hash(raw: Any) -> Hash:
    if not isinstance(raw, dict):
        raise Invalid("bad_hash")
    if set(raw) - {"signal_type", "value", "quality"}:
        raise Invalid("unknown_field")
    kind, value = raw.get("signal_type"), raw.get("value")
    if not isinstance(kind, str) or kind not in SIGNAL_TYPES:
        raise Invalid("bad_hash")
    if not isinstance(value, str) or not _HEX[SIGNAL_TYPES[kind]].fullmatch(value):
        raise Invalid("bad_hash")
    if "quality" not in raw:
        return Hash(kind, value)
    quality = raw["quality"]
    if kind != "ImagePDQ" or type(quality) is not int or not 0 <= quality <= 100:
        raise Invalid("bad_hash")
    return Hash(kind, value, quality)


def _pin(data: dict[str, Any]) -> str:
    pin = data.get("pin")
    if not refs.valid_pin(pin):
        raise Invalid("bad_pin")
    assert isinstance(pin, str)
    return pin


def useful(h: Hash) -> bool:
    """Whether a partner could block copies with `h` without blocking
    unrelated files: not a known-trivial hash (trivial_hashes.yaml), and a
    PDQ hash only with its quality, at or above the floor."""
    if h.value in TRIVIAL.get(h.signal_type, ()):
        return False
    return h.signal_type != "ImagePDQ" or (h.quality is not None and h.quality >= PDQ_QUALITY_FLOOR)


def new_report(data: dict[str, Any]) -> NewReport:
    """The report to keep. Hashes that are well-formed but of no use
    (`useful`) are left out, as the page warns about them yet still sends an
    image's other hashes with them; a report with nothing else is refused."""
    _only(data, {"hashes", "pin"}, frozenset({"age_range"}))
    hashes = data.get("hashes")
    if not isinstance(hashes, list) or not hashes:
        raise Invalid("no_hashes")
    if len(hashes) > MAX_HASHES:
        raise Invalid("too_many_hashes")
    unique: dict[tuple[str, str], Hash] = {}
    for raw in hashes:
        h = _hash(raw)
        unique.setdefault((h.signal_type, h.value), h)  # the same file twice counts once
    age = data.get("age_range")
    if "age_range" in data and (not isinstance(age, str) or age not in AGE_RANGES):
        raise Invalid("bad_age_range")
    pin = _pin(data)
    if pin in COMMON_PINS:
        raise Invalid("common_pin")
    kept = tuple(h for h in unique.values() if useful(h))
    if not kept:
        raise Invalid("no_useful_hashes")
    return NewReport(kept, pin, age)


def case_login(data: dict[str, Any]) -> CaseLogin:
    _only(data, {"case_reference", "pin"})
    ref = refs.normalise_case_reference(data.get("case_reference"))
    if ref is None:
        raise Invalid("bad_case_reference")
    return CaseLogin(ref, _pin(data))
