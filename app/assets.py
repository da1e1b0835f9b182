"""Static assets: hashed bundle names, long caching and compression.

`node build.mjs` writes each bundle twice: a stable name (chat.js) and a
content-hashed one (chat.3f2a9c1b07.js) with .br and .gz copies, and
``build/manifest.json`` maps the one to the other. Templates call
``asset('chat.js')``; a hashed name never changes content, so it is served
with a year's ``immutable`` caching. Everything else under /static/ is
revalidated (Flask's ETag). Static JS and CSS go out brotli- or
gzip-compressed when the browser accepts it. Pages and API answers are
not compressed: they carry a conversation token, and compressing secrets
next to anything a request can influence invites BREACH-style guessing.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, request, url_for
from werkzeug.wrappers import Response

IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSIBLE = ("application/javascript", "text/javascript", "text/css", "application/json", "image/svg+xml")


def _build_dir() -> Path:
    return Path(current_app.static_folder or "static") / "build"


@lru_cache(maxsize=8)
def _manifest(path: Path, mtime_ns: int) -> dict[str, str]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def manifest() -> dict[str, str]:
    path = _build_dir() / "manifest.json"
    try:
        mtime = path.stat().st_mtime_ns  # a rebuild is picked up without a restart
    except OSError:
        return {}
    return _manifest(path, mtime)


def asset(name: str) -> str:
    """URL of a bundle by its stable name; the hashed file once built."""
    return url_for("static", filename="build/" + manifest().get(name, name))


@lru_cache(maxsize=64)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


def _accepts(encoding: str) -> bool:
    return any(
        part.split(";")[0].strip() == encoding
        for part in request.headers.get("Accept-Encoding", "").lower().split(",")
    )


def _compress_static(resp: Response, filename: str) -> Response:
    if resp.status_code != 200 or resp.mimetype not in COMPRESSIBLE or "Content-Encoding" in resp.headers:
        return resp
    static = Path(current_app.static_folder or "static")
    path = (static / filename).resolve()
    if static.resolve() not in path.parents or not path.is_file():
        return resp
    body: bytes | None = None
    for encoding, suffix in (("br", ".br"), ("gzip", ".gz")):
        sibling = path.with_name(path.name + suffix)
        if _accepts(encoding) and sibling.is_file():
            body = sibling.read_bytes()
            break
    else:
        stat = path.stat()
        if _accepts("gzip") and stat.st_size >= 1024:
            encoding, body = "gzip", _gzipped(str(path), stat.st_mtime_ns, stat.st_size)
    if body is not None:
        closing = getattr(resp.response, "close", None)
        if closing:  # the file send_file opened: we answer from another
            closing()
        resp.direct_passthrough = False
        resp.set_data(body)
        resp.headers["Content-Encoding"] = encoding
        etag, _weak = resp.get_etag()
        if etag:  # as nginx does: the same file, differently encoded, is weakly equal
            resp.set_etag(etag, weak=True)
    resp.vary.add("Accept-Encoding")
    return resp


def init_app(app: Flask) -> None:
    app.jinja_env.globals["asset"] = asset

    @app.after_request
    def static_caching(resp: Response) -> Response:
        if request.endpoint != "static" or not request.view_args:
            return resp
        filename = str(request.view_args.get("filename", ""))
        if filename.startswith("build/") and filename.removeprefix("build/") in manifest().values():
            resp.headers["Cache-Control"] = IMMUTABLE
            resp.headers.pop("Expires", None)
        return _compress_static(resp, filename)
