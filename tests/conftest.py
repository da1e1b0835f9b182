"""Shared fixtures: a real app on a temporary instance folder, its HTTP test
client, and a Socket.IO test client on the /chat namespace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app, socketio

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "INSTANCE_DIR": str(tmp_path / "instance")})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def socket_client(app: Flask, client: FlaskClient) -> Iterator[Any]:
    sc = socketio.test_client(app, namespace="/chat", flask_test_client=client)
    yield sc
    if sc.is_connected("/chat"):
        sc.disconnect("/chat")


@pytest.fixture
def api(client: FlaskClient) -> Any:
    """POST an action to the JSON API; returns (status, body)."""

    def post(action: Any) -> tuple[int, dict[str, Any]]:
        res = client.post("/api/v1/turn", json=action)
        return res.status_code, res.get_json()

    return post
