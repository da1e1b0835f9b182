"""Partner export: platforms fetch fingerprints (never case references) to
block copies. Bearer tokens come from SAFECHAT_PARTNER_TOKENS; only their
SHA-256 digests are kept, compared in constant time, and never logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Sequence

from flask import current_app, jsonify, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from ..web import problem_response
from . import bp
from .problems import service

MAX_LIMIT, DEFAULT_LIMIT = 500, 100
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_QUERY_KEYS = {"since", "cursor", "limit"}


class PartnerTokens:
    def __init__(self, tokens: Sequence[str]):
        """`tokens` as settings checked them (long enough in production)."""
        self._digests = [hashlib.sha256(t.encode()).digest() for t in tokens]

    def allows(self, header: str | None) -> bool:
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        digest = hashlib.sha256(token.strip().encode()).digest()
        ok = False
        for known in self._digests:  # look at every one: no early exit
            ok |= hmac.compare_digest(digest, known)
        return ok


def cursor_serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="safechat.partner-export.cursor")


def _after(cursor: str | None) -> tuple[int, str, str] | None:
    if cursor is None:
        return (0, "", "")
    try:
        seq, kind, value = cursor_serializer(current_app.config["SECRET_KEY"]).loads(cursor)
    except (BadSignature, TypeError, ValueError):
        return None
    if type(seq) is not int or not isinstance(kind, str) or not isinstance(value, str):
        return None
    return seq, kind, value


def _since(raw: str | None) -> str | None:
    if raw is None:
        return ""
    if not _DATE.fullmatch(raw):
        return None
    try:
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        return None


@bp.get("/api/v1/partner/hashes")
def partner_hashes() -> Response | tuple[Response, int]:
    svc = service()
    if not svc.partners.allows(request.headers.get("Authorization")):
        return problem_response(401, "partner_unauthorized", {"WWW-Authenticate": 'Bearer realm="partner"'})
    args = request.args
    if set(args) - _QUERY_KEYS or any(len(args.getlist(k)) > 1 for k in args):
        return problem_response(400, "bad_request")
    since = _since(args.get("since"))
    if since is None:
        return problem_response(400, "bad_date")
    after = _after(args.get("cursor"))
    if after is None:
        return problem_response(400, "bad_cursor")
    raw_limit = args.get("limit", str(DEFAULT_LIMIT))
    if not re.fullmatch(r"[0-9]{1,3}", raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        return problem_response(400, "bad_limit")
    limit = int(raw_limit)
    records = svc.reports.export(since, after, limit + 1)
    has_more = len(records) > limit
    records = records[:limit]
    # The cursor after the last record: keep it and ask again later for what changed since.
    last = (records[-1].seq, records[-1].signal_type, records[-1].value) if records else after
    next_cursor = cursor_serializer(current_app.config["SECRET_KEY"]).dumps(list(last))
    body = {
        "hashRecords": [r.as_dict() for r in records],
        "count": len(records),
        "hasMore": has_more,
        "nextCursor": next_cursor,
    }
    return jsonify(body), 200
