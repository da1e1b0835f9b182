"""Shared fixtures: a real app on a temporary instance folder, its HTTP test
client, and a Socket.IO test client on the /chat namespace."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app, socketio
from app.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fit the crisis and routing models (or read them from .cache/models)
    before any test: on a clean clone the first fit takes 20-40 s, longer
    than a live test server is given to start."""
    from app.engine import Engine
    from app.i18n import Catalogs
    from app.safety.service import SafetyService

    engine = Engine(ROOT / "flows", ROOT / "content", "w" * 40)
    catalogs = Catalogs(ROOT / "locales")
    SafetyService.for_flows(engine.flows, catalogs.gettext, catalogs.locales, set(engine.messages))


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app for the run: building one takes most of a second, and every
    conversation lives in its token, so tests cannot disturb each other.
    Rate limits are off here; tests of limits build their own app."""
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
            "RATE_PER_CONNECTION": "0",
            "RATE_PER_CLIENT": "0",
            "RATE_HASH_REPORTS": "0",
        }
    )


def engine_of(app: Flask) -> Engine:
    return app.extensions["safechat"]["engine"]  # type: ignore[no-any-return]


def limited_app(tmp_path: Path, per_conn: str = "0", per_client: str = "1/600") -> Flask:
    """An app of its own with these rate limits (turns per connection, per
    client address): by default one turn per address in ten minutes."""
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_DIR": str(tmp_path),
            "RATE_PER_CONNECTION": per_conn,
            "RATE_PER_CLIENT": per_client,
        }
    )


def flask_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`flask --app app …` as an operator runs it, with these environment variables."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def socket_client(app: Flask, client: FlaskClient) -> Iterator[Any]:
    sc = socketio.test_client(app, namespace="/chat", flask_test_client=client)
    yield sc
    if sc.is_connected("/chat"):
        sc.disconnect("/chat")


@pytest.fixture(scope="session")
def post(app: Flask) -> Any:
    """POST an action to the JSON API; returns (status, body). Session-wide,
    for module fixtures that walk whole flows."""
    client = app.test_client()

    def send(action: Any) -> tuple[int, dict[str, Any]]:
        res = client.post("/api/v1/turn", json=action)
        return res.status_code, res.get_json()

    return send


@pytest.fixture
def api(post: Any) -> Any:
    """The same, for a single test."""
    return post


# -- a real server and a real browser ------------------------------------------

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """`python -m app` on a free loopback port, with its own instance folder."""
    from live import Server

    server = Server(str(tmp_path_factory.mktemp("live")))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole run; every browser test takes this fixture
    (two Playwright sessions in one process cannot run at once)."""
    from live import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a small phone
    pg = context.new_page()
    yield pg
    context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot as a test artifact (test-artifacts/<name>.png)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# -- one closing line about tests this machine could not run -------------------

# A skip reason naming one of these means the test needs that system package.
SYSTEM_PACKAGES = {
    "chromium": "chromium",
    "poppler": "poppler-utils",
    "redis": "redis-server",
    "nginx": "nginx",
}
_skipped_for: dict[str, set[str]] = {}  # test id -> packages its skip reason names


def packages_named(reason: str) -> set[str]:
    low = reason.lower()
    return {pkg for word, pkg in SYSTEM_PACKAGES.items() if word in low}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and isinstance(report.longrepr, tuple):
        if named := packages_named(str(report.longrepr[2])):
            _skipped_for[report.nodeid] = named


def skipped_line(skipped: dict[str, set[str]]) -> str:
    if not skipped:
        return "Browser and cluster tests: none skipped."
    packages = sorted(set().union(*skipped.values()))
    return (
        f"Browser and cluster tests: {len(skipped)} skipped; "
        f"apt-get install {' '.join(packages)} would run them."
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    """Runs after pytest's own "N passed" line, so this is the last line of `make test`."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and not config.option.collectonly:
        reporter.write_line(skipped_line(_skipped_for))
