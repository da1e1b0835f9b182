"""Settings: development makes a key once; production refuses to start unsafely."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import flask_cli

from app import create_app, settings
from app.settings import SettingsError

ROOT = Path(__file__).resolve().parent.parent


def flows_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`flask flows check` as an author runs it, with these settings."""
    return flask_cli(env, "flows", "check")


def test_development_key_is_made_once_and_kept(tmp_path: Path) -> None:
    a = create_app({"INSTANCE_DIR": str(tmp_path)})
    b = create_app({"INSTANCE_DIR": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode)[-3:] == "600"
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(a.config["SECRET_KEY"]) >= 32


@pytest.mark.parametrize("key", ["", "short", "x" * 31])
def test_production_refuses_a_missing_or_weak_key(tmp_path: Path, key: str) -> None:
    with pytest.raises(SettingsError, match="SAFECHAT_SECRET_KEY"):
        create_app({"INSTANCE_DIR": str(tmp_path), "ENV": "production", "SECRET_KEY": key})


def test_production_refuses_the_development_key_file(tmp_path: Path) -> None:
    create_app({"INSTANCE_DIR": str(tmp_path)})  # makes instance/secret_key
    with pytest.raises(SettingsError):
        create_app({"INSTANCE_DIR": str(tmp_path), "ENV": "production"})


def test_production_starts_with_a_real_key(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_DIR": str(tmp_path), "ENV": "production", "SECRET_KEY": "k" * 64})
    assert app.config["SECRET_KEY"] == "k" * 64


def test_env_variables_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFECHAT_TOKEN_MAX_AGE", "60")
    monkeypatch.setenv("SAFECHAT_INSTANCE_DIR", str(tmp_path))
    app = create_app()
    assert app.config["SAFECHAT"]["TOKEN_MAX_AGE"] == 60
    assert app.extensions["safechat"]["engine"].tokens.max_age == 60


def test_bad_number_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFECHAT_TOKEN_MAX_AGE", "a day")
    with pytest.raises(SettingsError, match="SAFECHAT_TOKEN_MAX_AGE must be a whole number"):
        create_app()


def test_server_refuses_to_start_in_production_without_key(tmp_path: Path) -> None:
    env = {**os.environ, "SAFECHAT_ENV": "production", "SAFECHAT_INSTANCE_DIR": str(tmp_path), "PORT": "1"}
    env.pop("SAFECHAT_SECRET_KEY", None)
    out = subprocess.run(
        [sys.executable, "-m", "app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 1
    assert "SAFECHAT_SECRET_KEY must be set" in out.stderr and "Traceback" not in out.stderr


def test_broken_flows_stop_the_server_with_one_line_each(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    for f in (ROOT / "flows").glob("*.yaml"):
        (flows / f.name).write_text(f.read_text())
    (flows / "welcome.yaml").write_text(
        (flows / "welcome.yaml").read_text().replace("to: parent_menu", "to: nowhere")
    )
    env = {
        **os.environ,
        "SAFECHAT_FLOWS_DIR": str(flows),
        "SAFECHAT_INSTANCE_DIR": str(tmp_path),
        "PORT": "1",
    }
    out = subprocess.run(
        [sys.executable, "-m", "app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 1
    assert "flows/welcome.yaml: state 'audience': unknown target 'nowhere'" in out.stderr
    check = flows_check(env)
    assert check.returncode == 1
    assert "flows/welcome.yaml: state 'audience': unknown target 'nowhere'" in check.stderr


def test_malformed_flow_yaml_is_a_flow_problem_not_a_traceback(tmp_path: Path) -> None:
    from app.engine import FlowError

    flows = tmp_path / "flows"
    flows.mkdir()
    for f in (ROOT / "flows").glob("*.yaml"):
        (flows / f.name).write_text(f.read_text())
    (flows / "youth_pressure.yaml").write_text(
        (flows / "youth_pressure.yaml").read_text() + "\nid: [unclosed\n"
    )
    with pytest.raises(FlowError) as info:
        create_app({"INSTANCE_DIR": str(tmp_path), "FLOWS_DIR": str(flows)})
    assert any(line.startswith("flows/youth_pressure.yaml: not valid YAML") for line in info.value.problems)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("RATE_PER_CLIENT", "lots", "count/seconds"),
        ("RATE_HASH_REPORTS", "5/0", "count/seconds"),
        ("ASYNC_MODE", "Gevent", "gevent or threading"),
        ("MAX_BODY", "-5", "0 or more"),
        ("REVIEW", "maybe", "on or off"),
    ],
)
def test_bad_settings_say_what_they_may_be(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv("SAFECHAT_" + name, value)
    with pytest.raises(SettingsError, match=f"SAFECHAT_{name} must be .*{says}"):
        create_app()


def test_a_stopped_server_keeps_its_counts(tmp_path: Path) -> None:
    """SIGTERM (how a service manager stops it) flushes the day's counters."""
    import json
    import urllib.request

    from live import Server
    from sqlite_utils import Database

    server = Server(str(tmp_path))
    server.start()
    try:
        turn = None
        for _ in range(3):
            body = {"token": turn["token"], "choose": "parent"} if turn else {}
            req = urllib.request.Request(
                server.base + "/api/v1/turn",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            turn = json.loads(urllib.request.urlopen(req, timeout=10).read())
            if turn["state"] == "parent_menu":
                break
    finally:
        server.stop()
    rows = {(r["flow"], r["state"]): r["count"] for r in Database(tmp_path / "safechat.db")["counters"].rows}
    # (and the language the conversation opened in: app/insights/record.py)
    assert rows == {("welcome", "audience"): 1, ("welcome", "lang:en"): 1, ("welcome", "parent_menu"): 1}


def test_a_quiet_server_writes_its_counts_without_another_turn(tmp_path: Path) -> None:
    """A backend that served one turn and fell quiet still writes its counts
    (every SAFECHAT_FLUSH_SECONDS), so /insights on another backend sees them."""
    import json
    import time
    import urllib.request

    from live import Server
    from sqlite_utils import Database

    server = Server(str(tmp_path), extra_env={"SAFECHAT_FLUSH_SECONDS": "1"})
    server.start()
    try:
        req = urllib.request.Request(
            server.base + "/api/v1/turn", data=b"{}", headers={"Content-Type": "application/json"}
        )
        assert json.loads(urllib.request.urlopen(req, timeout=10).read())["state"] == "audience"
        rows: dict[tuple[str, str], int] = {}
        for _ in range(40):  # the server is still running, and takes no other turn
            time.sleep(0.25)
            rows = {
                (r["flow"], r["state"]): r["count"]
                for r in Database(tmp_path / "safechat.db")["counters"].rows
            }
            if rows:
                break
    finally:
        server.stop()
    assert rows == {("welcome", "audience"): 1, ("welcome", "lang:en"): 1}


def test_broken_agreement_rules_stop_start_up_and_fail_the_check(tmp_path: Path) -> None:
    import shutil

    from app.engine import ContentError

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "en/parents/agreement_rules.yaml").write_text("groups: []\n")
    with pytest.raises(ContentError, match=r"agreement_rules\.yaml"):
        create_app({"INSTANCE_DIR": str(tmp_path), "CONTENT_DIR": str(content)})
    env = {**os.environ, "SAFECHAT_CONTENT_DIR": str(content), "SAFECHAT_INSTANCE_DIR": str(tmp_path)}
    check = flows_check(env)
    assert check.returncode == 1 and "agreement_rules.yaml" in check.stderr


@pytest.mark.parametrize("where", ["environment", "override"])
def test_the_environment_is_checked_once_by_one_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """SAFECHAT_ENV, or an override of it, goes through `environment` once,
    and a wrong value is refused in the same words either way (there were two
    checks, with different words)."""
    calls: list[object] = []
    check = settings.environment

    def counted(raw: str) -> str:
        calls.append(raw)
        return check(raw)

    monkeypatch.setattr(settings, "environment", counted)
    overrides = {"INSTANCE_DIR": str(tmp_path)}
    if where == "environment":
        monkeypatch.setenv("SAFECHAT_ENV", "production")
    else:
        overrides["ENV"] = "production"
    assert settings.load({**overrides, "SECRET_KEY": "k" * 64})["ENV"] == "production"
    assert calls == ["production"]
    if where == "environment":
        monkeypatch.setenv("SAFECHAT_ENV", "live")
    else:
        overrides["ENV"] = "live"
    with pytest.raises(SettingsError) as refused:
        settings.load(overrides)
    assert str(refused.value) == "SAFECHAT_ENV must be development or production (exactly, in lower case)"
