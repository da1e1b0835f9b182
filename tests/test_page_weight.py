"""The chat page's first load stays small: ≤ 60 KB over the network
(compressed bundles, no CDN), measured in Chromium. A size check, not a
timing one; `make bench` prints the breakdown."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_page import TARGET_KB, measure  # noqa: E402

BUILD = ROOT / "app" / "static" / "build"


def test_chat_page_first_load_is_at_most_60_kb(browser: Any, live_server: Any) -> None:
    result = measure(browser, live_server.base)
    urls = [r["url"] for r in result["rows"]]
    assert any("/static/build/chat." in u for u in urls), urls
    assert result["transfer_bytes"] <= TARGET_KB * 1024, result["rows"]


def test_bundles_are_hashed_compressed_and_cached_for_a_year(client: FlaskClient) -> None:
    if not (BUILD / "manifest.json").exists():
        pytest.skip("no build/manifest.json: run `make build`")
    html = client.get("/").get_data(as_text=True)
    assert "no-store" in client.get("/").headers["Cache-Control"]
    src = html.split('<script type="module" src="', 1)[1].split('"', 1)[0]
    assert src.startswith("/static/build/chat.") and src != "/static/build/chat.js"
    res = client.get(src, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert res.status_code == 200
    assert res.headers["Content-Encoding"] == "br"
    assert res.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in res.headers["Vary"]
    with client.get(src, headers={"Accept-Encoding": "identity"}) as plain:
        assert "Content-Encoding" not in plain.headers and len(plain.data) > len(res.data)


def test_workers_keep_their_stable_names(client: FlaskClient) -> None:
    """The hash worker is loaded (and spawns its helper) by URL: the stable
    name keeps working beside the hashed one."""
    if not (BUILD / "manifest.json").exists():
        pytest.skip("no build/manifest.json: run `make build`")
    with client.get("/static/build/hash-worker.js") as res:
        assert res.status_code == 200 and "immutable" not in res.headers.get("Cache-Control", "")
