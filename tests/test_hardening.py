"""Issue 19, the findings the abuse suite (test_abuse.py) does not cover:
settings, file permissions, hash-report trust (trivial hashes, a daily cap,
holding reports for review), PIN guessing over time, and the Socket.IO
transport's caching and strict JSON."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import flask_cli
from flask import Flask
from flask.testing import FlaskClient

from app import create_app, socketio
from app.chat.socket import REFUSED, TextPacket
from app.report.limits import MAX_LOCK, DailyQuota, FailureLimiter
from app.settings import SettingsError
from app.store import open_db

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "partner-token-" + "x" * 40
PIN = "4827"
MD5 = "0d12d4462273b533b9197f78b9aeb0d7"
PDQ = "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064"
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

# -- finding 7: SAFECHAT_ENV -------------------------------------------------------------


@pytest.mark.parametrize("value", ["Production", "prod", "live", "PRODUCTION", "production ", "dev"])
def test_only_the_documented_environments_are_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SAFECHAT_ENV", value)
    with pytest.raises(SettingsError, match="SAFECHAT_ENV must be development or production"):
        create_app({"INSTANCE_DIR": str(tmp_path)})
    monkeypatch.delenv("SAFECHAT_ENV")
    with pytest.raises(SettingsError, match="SAFECHAT_ENV must be development or production"):
        create_app({"INSTANCE_DIR": str(tmp_path), "ENV": value})


def test_the_server_refuses_an_unknown_environment(tmp_path: Path) -> None:
    env = {**os.environ, "SAFECHAT_ENV": "live", "SAFECHAT_INSTANCE_DIR": str(tmp_path), "PORT": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 1
    assert "SAFECHAT_ENV must be development or production" in out.stderr and "Traceback" not in out.stderr


# -- finding 8: permissions ----------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_instance_folder_and_database_are_private(tmp_path: Path) -> None:
    instance = tmp_path / "new" / "instance"
    app = create_app({"TESTING": True, "INSTANCE_DIR": str(instance)})
    app.test_client().post(
        "/api/v1/hash-reports", json={"hashes": [{"signal_type": "ImageMD5", "value": MD5}], "pin": PIN}
    )
    assert mode(instance) == 0o700
    for name in ("safechat.db", "safechat.db-wal", "safechat.db-shm", "secret_key"):
        if (instance / name).exists():
            assert mode(instance / name) == 0o600, name
    assert (instance / "safechat.db").exists()


def test_a_world_readable_database_is_made_private(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    open_db(str(db)).close()
    db.chmod(0o644)
    create_app({"TESTING": True, "INSTANCE_DIR": str(tmp_path), "DATABASE": str(db)})
    assert mode(db) == 0o600


# -- finding 9: who can put a hash in front of partners ------------------------------------


def report_app(tmp_path: Path, **extra: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_DIR": str(tmp_path),
            "PARTNER_TOKENS": TOKEN,
            "RATE_HASH_REPORTS": "0",
            **extra,
        }
    )


def submit(
    client: FlaskClient, hashes: list[dict[str, Any]], pin: str = PIN, address: str = "127.0.0.1"
) -> Any:
    return client.post(
        "/api/v1/hash-reports", json={"hashes": hashes, "pin": pin}, environ_base={"REMOTE_ADDR": address}
    )


def exported(client: FlaskClient) -> dict[str, str]:
    res = client.get("/api/v1/partner/hashes", headers={"Authorization": f"Bearer {TOKEN}"})
    return {r["hashValue"]: r["hashStatus"] for r in res.get_json()["hashRecords"]}


@pytest.mark.parametrize(
    "trivial",
    [
        {"signal_type": "ImageMD5", "value": EMPTY_MD5},
        {"signal_type": "VideoMD5", "value": EMPTY_MD5},
        {"signal_type": "ImageSHA256", "value": EMPTY_SHA256},
        {"signal_type": "VideoSHA256", "value": EMPTY_SHA256},
        {"signal_type": "ImagePDQ", "value": "0" * 64, "quality": 100},  # a blank image
        {"signal_type": "ImagePDQ", "value": PDQ, "quality": 49},  # below the quality floor
        {"signal_type": "ImagePDQ", "value": PDQ},  # quality unknown
    ],
)
def test_trivial_hashes_never_reach_partners(tmp_path: Path, trivial: dict[str, Any]) -> None:
    client = report_app(tmp_path).test_client()
    alone = submit(client, [trivial])
    assert alone.status_code == 400 and alone.get_json()["error"]["code"] == "no_useful_hashes"
    mixed = submit(client, [trivial, {"signal_type": "ImageMD5", "value": MD5}])
    assert mixed.status_code == 201 and mixed.get_json()["hash_count"] == 1
    assert exported(client) == {MD5: "Active"}


def test_reports_per_address_per_day_are_capped_across_processes(tmp_path: Path) -> None:
    first = report_app(tmp_path, REPORTS_PER_DAY=3).test_client()
    second = report_app(tmp_path, REPORTS_PER_DAY=3).test_client()  # another process, same database
    hashes = [{"signal_type": "ImageMD5", "value": MD5}]
    codes = [submit(c, hashes).status_code for c in (first, second, first)]
    assert codes == [201, 201, 201]
    refused = submit(second, hashes)
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "too_many_reports"
    assert 0 < int(refused.headers["Retry-After"]) <= 86400
    assert submit(first, hashes, address="198.51.100.7").status_code == 201  # another address


def test_the_daily_cap_keeps_no_address(tmp_path: Path) -> None:
    db = str(tmp_path / "q.db")
    open_db(db).close()
    now = [dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC).timestamp()]
    quota = DailyQuota(db, 1, "k" * 40, clock=lambda: now[0])
    assert quota.take("203.0.113.9") == 0
    assert quota.take("203.0.113.9") == 3600  # until midnight UTC
    rows = open_db(db).execute("SELECT day, bucket, count FROM report_quota").fetchall()
    assert rows == [("2026-11-30", quota.bucket("203.0.113.9"), 1)]
    assert len(rows[0][1]) == 5 and "203" not in rows[0][1]  # 20 bits: thousands of addresses each
    now[0] += 3600
    assert quota.take("203.0.113.9") == 0  # a new day; yesterday's rows are gone
    assert [r[0] for r in open_db(db).execute("SELECT day FROM report_quota")] == ["2026-12-01"]


def flask_in(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return flask_cli({**os.environ, "SAFECHAT_INSTANCE_DIR": str(tmp_path)}, *args)


def test_held_reports_wait_for_release(tmp_path: Path) -> None:
    client = report_app(tmp_path, REPORTS_REVIEW=True).test_client()
    made = submit(client, [{"signal_type": "ImageMD5", "value": MD5}])
    assert made.status_code == 201 and made.get_json()["status"] == "Pending"
    ref = made.get_json()["case_reference"]
    other = submit(
        client, [{"signal_type": "ImagePDQ", "value": PDQ, "quality": 90}], pin="482911"
    ).get_json()
    withdrawn = client.post(
        "/api/v1/hash-reports/withdraw", json={"case_reference": other["case_reference"], "pin": "482911"}
    )
    assert withdrawn.get_json()["status"] == "Withdrawn"
    assert exported(client) == {}  # nothing leaves before review
    status = client.post("/api/v1/hash-reports/status", json={"case_reference": ref, "pin": PIN})
    assert status.get_json()["status"] == "Pending"

    listed = flask_in(tmp_path, "reports", "pending")
    assert listed.returncode == 0 and ref in listed.stdout and other["case_reference"] not in listed.stdout
    released = flask_in(tmp_path, "reports", "release", ref.lower(), other["case_reference"])
    assert ref in released.stdout and "no pending report" in released.stderr and released.returncode == 1
    assert exported(client) == {MD5: "Active"}  # the withdrawn one never leaves
    status = client.post("/api/v1/hash-reports/status", json={"case_reference": ref, "pin": PIN})
    assert status.get_json()["status"] == "Active"


def test_without_review_reports_are_active_at_once(tmp_path: Path) -> None:
    client = report_app(tmp_path).test_client()
    assert submit(client, [{"signal_type": "ImageMD5", "value": MD5}]).get_json()["status"] == "Active"
    assert exported(client) == {MD5: "Active"}


# -- finding 10: PIN guessing over time ------------------------------------------------------


def test_locks_grow_longer_after_each_lockout(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    open_db(db).close()
    now = [1_000_000.0]
    limiter = FailureLimiter(db, clock=lambda: now[0])
    tries, waits = 0, []
    day = 24 * 3600
    while now[0] < 1_000_000 + 30 * day:  # a patient guesser for a month
        wait = limiter.attempt("REF")
        if wait:
            waits.append(wait)
            now[0] += wait
        else:
            tries += 1
            now[0] += 1
    assert waits[:4] == [900 - 5, 1800 - 5, 3600 - 5, 7200 - 5]  # 15 min, then doubling (5 tries took 5 s)
    assert max(waits) <= MAX_LOCK
    assert tries < 100  # was 480 a day: 14,400 a month


def test_a_right_pin_ends_the_back_off(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    open_db(db).close()
    now = [0.0]
    limiter = FailureLimiter(db, max_failures=1, window=10, clock=lambda: now[0])
    for expected in (10, 20, 40):
        assert limiter.attempt("a") == 0
        assert limiter.attempt("a") == expected
        now[0] += expected
    limiter.succeeded("a")
    assert limiter.attempt("a") == 0
    assert limiter.attempt("a") == 10


@pytest.mark.parametrize("pin", ["1234", "0000", "1111", "6969", "123456", "000000", "12345678"])
def test_the_commonest_pins_are_refused(client: FlaskClient, pin: str) -> None:
    res = client.post(
        "/api/v1/hash-reports", json={"hashes": [{"signal_type": "ImageMD5", "value": MD5}], "pin": pin}
    )
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "common_pin"
    assert "easy to guess" in res.get_json()["error"]["message"]


# -- finding 12: the Socket.IO transport --------------------------------------------------------


def test_polling_answers_are_never_cached(client: FlaskClient) -> None:
    res = client.get("/socket.io/?EIO=4&transport=polling")
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    bad = client.get("/socket.io/?EIO=4&transport=polling&sid=nope")
    assert bad.headers["Cache-Control"] == "no-store"
    assert client.get("/help").headers["Cache-Control"] == "no-store"  # pages as before


def test_socket_packets_refuse_repeated_keys_as_http_does(app: Flask, client: FlaskClient) -> None:
    dup = '{"say":"hi","say":"i want to kill myself"}'
    assert TextPacket(encoded_packet=f'2/chat,["act",{dup}]').data == ["act", REFUSED]
    assert TextPacket(encoded_packet='2/chat,["act",{"say":"hi"}]').data == ["act", {"say": "hi"}]
    assert TextPacket(encoded_packet='2/chat,["act",{"n":NaN}]').data == ["act", REFUSED]
    with pytest.raises(ValueError):
        TextPacket(encoded_packet='2/chat,["act",{')  # not JSON at all: dropped
    sc = socketio.test_client(app, namespace="/chat", flask_test_client=client)
    socketio.server._handle_eio_message(sc.eio_sid, f'2/chat,["act",{dup}]')
    got = sc.get_received("/chat")
    assert [r["name"] for r in got] == ["problem"] and got[0]["args"][0]["error"]["code"] == "bad_request"
    sc.disconnect("/chat")
    assert client.post("/api/v1/turn", data=dup, content_type="application/json").status_code == 400


# -- finding 11, the second line: nginx -------------------------------------------------------


def test_the_nginx_template_limits_slow_clients_and_sockets_per_address(tmp_path: Path) -> None:
    template = (ROOT / "deploy" / "nginx.conf.template").read_text()
    for directive in (
        "client_header_timeout 10s;",
        "client_body_timeout 10s;",
        "client_max_body_size 64k;",
        "limit_conn_zone $binary_remote_addr",
        "limit_conn per_address 256;",
        "limit_conn_log_level info;",  # below error_log's level: no address written
        "access_log off;",
    ):
        assert directive in template, directive
    nginx = "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed (apt-get install nginx)")
    conf = template.replace("@PORT@", "1").replace("@DIR@", str(tmp_path))
    (tmp_path / "nginx.conf").write_text(conf.replace("@UPSTREAMS@", "server 127.0.0.1:2;"))
    out = subprocess.run(
        [nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
