"""Page weight: bytes transferred for a first load of the chat page (`/`) in
headless Chromium with an empty cache: every response's headers plus its
encoded (compressed) body, as the network carried them. Target ≤ 60 KB.

    .venv/bin/python -m bench.bench_page
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from live import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent


TARGET_KB = 60


def measure(browser: Any, base: str) -> dict[str, Any]:
    """First load of `base + "/"` in a fresh context: per-response sizes and totals."""
    context = browser.new_context()
    page = context.new_page()
    responses: list[Any] = []
    page.on("response", lambda resp: responses.append(resp))  # noqa: PLW0108 (Playwright wraps handlers)
    page.goto(base + "/", wait_until="networkidle")
    rows = []
    for resp in responses:
        sizes = resp.request.sizes()  # waits for the body to finish
        rows.append(
            {
                "url": resp.url.removeprefix(base),
                "status": resp.status,
                "encoding": resp.headers.get("content-encoding", ""),
                "cache": resp.headers.get("cache-control", ""),
                "body": sizes["responseBodySize"],
                "headers": sizes["responseHeadersSize"],
            }
        )
    context.close()
    body = sum(r["body"] for r in rows)
    return {"rows": rows, "body_bytes": body, "transfer_bytes": body + sum(r["headers"] for r in rows)}


def report(result: dict[str, Any]) -> None:
    for r in result["rows"]:
        print(
            f"  {r['status']} {r['url'][:60]:<60} {r['body']:>7} B body {r['headers']:>5} B headers "
            f"{r['encoding'] or '-':<4} {r['cache']}"
        )
    print(
        f"chat page first load: {result['transfer_bytes'] / 1024:.1f} KB transferred "
        f"({result['body_bytes'] / 1024:.1f} KB of encoded bodies) over {len(result['rows'])} responses "
        f"(target ≤ {TARGET_KB} KB)"
    )


def main() -> dict[str, Any]:
    from live import Server
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = Server(tmp)
        server.start()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
                result = measure(browser, server.base)
                browser.close()
        finally:
            server.stop()
    report(result)
    return result


if __name__ == "__main__":
    main()
