"""Hash reports: strict validation, case reference + PIN (status, withdraw,
rate limit, one answer for "no such case" and "wrong PIN"), storage that keeps
nothing identifying, and the partner export (auth, paging, statuses)."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlite_utils import Database

from app import create_app, settings
from app.report import refs, reports
from app.report.limits import FailureLimiter
from app.report.problems import EXTENSION
from app.settings import SettingsError
from app.store import open_db

ROOT = Path(__file__).resolve().parent.parent

TOKEN = "partner-token-" + "x" * 40
OTHER_TOKEN = "another-partner-" + "y" * 40
PIN = "4827"
MD5 = "0d12d4462273b533b9197f78b9aeb0d7"
SHA = "93aa0ba454d3805e02be04a883b839a85bee83d0cbac3d306331584c1ebec0c6"
PDQ = "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064"
REF = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}")


def image_hashes(n: int = 0) -> list[dict[str, Any]]:
    """A distinct image's three hashes."""
    tail = f"{n:04x}"
    return [
        {"signal_type": "ImageMD5", "value": MD5[:-4] + tail},
        {"signal_type": "ImageSHA256", "value": SHA[:-4] + tail},
        {"signal_type": "ImagePDQ", "value": PDQ[:-4] + tail, "quality": 100},
    ]


@pytest.fixture
def partner_app(tmp_path: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "PARTNER_TOKENS": f" {TOKEN} ,{OTHER_TOKEN},",
            "RATE_HASH_REPORTS": "0",
        }
    )


@pytest.fixture
def pclient(partner_app: Flask) -> FlaskClient:
    return partner_app.test_client()


def submit(client: FlaskClient, hashes: list[dict[str, Any]] | None = None, **extra: Any) -> Any:
    body = {"hashes": image_hashes() if hashes is None else hashes, "pin": PIN, **extra}
    return client.post("/api/v1/hash-reports", json=body)


def login(client: FlaskClient, what: str, ref: str, pin: str = PIN) -> Any:
    return client.post(f"/api/v1/hash-reports/{what}", json={"case_reference": ref, "pin": pin})


def export(client: FlaskClient, token: str | None = TOKEN, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/api/v1/partner/hashes", query_string=params, headers=headers)


def rows(app: Flask, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """(The conftest app is shared by the whole run: select this test's rows.)"""
    with sqlite3.connect(app.config["SAFECHAT"]["DATABASE"]) as conn:
        return conn.execute(sql, params).fetchall()


# --- submitting -----------------------------------------------------------


def test_submit_returns_case_reference(client: FlaskClient, app: Flask) -> None:
    res = submit(client, age_range="13_15")
    assert res.status_code == 201
    body = res.get_json()
    assert set(body) == {"case_reference", "status", "created", "last_modified", "hash_count"}
    assert REF.fullmatch(body["case_reference"])
    assert body["status"] == "Active" and body["hash_count"] == 3
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["created"]) and body["created"] == body["last_modified"]
    stored = rows(
        app,
        "SELECT case_reference, age_range, status, pin_scheme, pin_salt, pin_hash FROM hash_reports"
        " WHERE case_reference = ?",
        (body["case_reference"],),
    )
    assert stored[0][:4] == (body["case_reference"], "13_15", "Active", "scrypt:n=32768,r=8,p=1")
    salt, pin_hash = stored[0][4:]
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(pin_hash)) == 32
    assert PIN not in json.dumps(stored)
    saved = rows(
        app,
        "SELECT signal_type, value, quality FROM report_hashes WHERE case_reference = ? ORDER BY signal_type",
        (body["case_reference"],),
    )
    assert saved == sorted((h["signal_type"], h["value"], h.get("quality")) for h in image_hashes())


def test_storage_keeps_nothing_identifying(client: FlaskClient, app: Flask) -> None:
    submit(client, headers={})
    columns = {
        table: [c[1] for c in rows(app, f"PRAGMA table_info({table})")]
        for table in ("hash_reports", "report_hashes")
    }
    assert columns == {
        "hash_reports": [
            "case_reference",
            "pin_scheme",
            "pin_salt",
            "pin_hash",
            "age_range",
            "status",
            "created",
            "last_modified",
            "change_seq",
            "held",
        ],
        "report_hashes": ["case_reference", "signal_type", "value", "quality"],
    }
    # days only, never times
    for created, modified in rows(app, "SELECT created, last_modified FROM hash_reports"):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", created) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", modified)


def test_every_signal_type_and_duplicates_count_once(client: FlaskClient, app: Flask) -> None:
    hashes = [
        *image_hashes(),
        {"signal_type": "VideoMD5", "value": MD5},
        {"signal_type": "VideoSHA256", "value": SHA},
        {"signal_type": "ImagePDQ", "value": "1" * 64, "quality": 80},
        *image_hashes(),  # the same picture chosen twice
    ]
    res = submit(client, hashes)
    assert res.status_code == 201 and res.get_json()["hash_count"] == 6
    ref = (res.get_json()["case_reference"],)
    assert rows(app, "SELECT age_range FROM hash_reports WHERE case_reference = ?", ref) == [(None,)]


def test_hundred_hashes_is_the_most(client: FlaskClient) -> None:
    many = [{"signal_type": "ImageMD5", "value": f"{i:032x}"} for i in range(101)]
    assert submit(client, many[:100]).status_code == 201
    res = submit(client, many)
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "too_many_hashes"


BAD_BODIES: list[tuple[str, Any, str]] = [
    ("not an object", [], "bad_request"),
    ("unknown key", {"hashes": image_hashes(), "pin": PIN, "name": "x"}, "unknown_field"),
    ("no hashes key", {"pin": PIN}, "no_hashes"),
    ("empty hashes", {"hashes": [], "pin": PIN}, "no_hashes"),
    ("hashes not a list", {"hashes": {"a": 1}, "pin": PIN}, "no_hashes"),
    ("hash not an object", {"hashes": ["abc"], "pin": PIN}, "bad_hash"),
    ("unknown signal type", {"hashes": [{"signal_type": "ImageSHA1", "value": MD5}], "pin": PIN}, "bad_hash"),
    (
        "signal type lower case",
        {"hashes": [{"signal_type": "imagemd5", "value": MD5}], "pin": PIN},
        "bad_hash",
    ),
    ("md5 too long", {"hashes": [{"signal_type": "ImageMD5", "value": MD5 + "0"}], "pin": PIN}, "bad_hash"),
    ("md5 too short", {"hashes": [{"signal_type": "VideoMD5", "value": MD5[:-1]}], "pin": PIN}, "bad_hash"),
    ("sha256 as md5", {"hashes": [{"signal_type": "ImageMD5", "value": SHA}], "pin": PIN}, "bad_hash"),
    (
        "upper-case hex",
        {"hashes": [{"signal_type": "ImageSHA256", "value": SHA.upper()}], "pin": PIN},
        "bad_hash",
    ),
    ("not hex", {"hashes": [{"signal_type": "ImagePDQ", "value": "g" * 64}], "pin": PIN}, "bad_hash"),
    (
        "trailing newline",
        {"hashes": [{"signal_type": "ImageMD5", "value": MD5 + "\n"}], "pin": PIN},
        "bad_hash",
    ),
    ("value a number", {"hashes": [{"signal_type": "ImageMD5", "value": 12}], "pin": PIN}, "bad_hash"),
    ("no value", {"hashes": [{"signal_type": "ImageMD5"}], "pin": PIN}, "bad_hash"),
    (
        "extra hash key",
        {"hashes": [{"signal_type": "ImageMD5", "value": MD5, "file": "me.jpg"}], "pin": PIN},
        "unknown_field",
    ),
    (
        "quality on md5",
        {"hashes": [{"signal_type": "ImageMD5", "value": MD5, "quality": 90}], "pin": PIN},
        "bad_hash",
    ),
    (
        "quality 101",
        {"hashes": [{"signal_type": "ImagePDQ", "value": PDQ, "quality": 101}], "pin": PIN},
        "bad_hash",
    ),
    (
        "quality -1",
        {"hashes": [{"signal_type": "ImagePDQ", "value": PDQ, "quality": -1}], "pin": PIN},
        "bad_hash",
    ),
    (
        "quality float",
        {"hashes": [{"signal_type": "ImagePDQ", "value": PDQ, "quality": 90.0}], "pin": PIN},
        "bad_hash",
    ),
    (
        "quality bool",
        {"hashes": [{"signal_type": "ImagePDQ", "value": PDQ, "quality": True}], "pin": PIN},
        "bad_hash",
    ),
    (
        "quality string",
        {"hashes": [{"signal_type": "ImagePDQ", "value": PDQ, "quality": "90"}], "pin": PIN},
        "bad_hash",
    ),
    (
        "quality null",
        {"hashes": [{"signal_type": "ImagePDQ", "value": PDQ, "quality": None}], "pin": PIN},
        "bad_hash",
    ),
    ("no pin", {"hashes": image_hashes()}, "bad_pin"),
    ("pin too short", {"hashes": image_hashes(), "pin": "123"}, "bad_pin"),
    ("pin too long", {"hashes": image_hashes(), "pin": "123456789"}, "bad_pin"),
    ("pin a number", {"hashes": image_hashes(), "pin": 4827}, "bad_pin"),
    ("pin letters", {"hashes": image_hashes(), "pin": "48a7"}, "bad_pin"),
    ("pin other digits", {"hashes": image_hashes(), "pin": "٤٨٢٧"}, "bad_pin"),
    ("pin spaces", {"hashes": image_hashes(), "pin": " 4827"}, "bad_pin"),
    ("age range unknown", {"hashes": image_hashes(), "pin": PIN, "age_range": "18_plus"}, "bad_age_range"),
    ("age range null", {"hashes": image_hashes(), "pin": PIN, "age_range": None}, "bad_age_range"),
]


@pytest.mark.parametrize(
    ("body", "code"), [(b, c) for _, b, c in BAD_BODIES], ids=[n for n, _, _ in BAD_BODIES]
)
def test_submit_validation(client: FlaskClient, app: Flask, body: Any, code: str) -> None:
    before = rows(app, "SELECT COUNT(*) FROM hash_reports")
    res = client.post("/api/v1/hash-reports", json=body)
    assert res.status_code == 400
    error = res.get_json()["error"]
    assert error["code"] == code
    assert error["message"] and "{" not in error["message"]  # kind words from content/, not a fallback
    assert code == "bad_request" or error["message"] != problem_message(app, "bad_request")
    assert rows(app, "SELECT COUNT(*) FROM hash_reports") == before


def problem_message(app: Flask, code: str) -> str:
    message: str = app.extensions["safechat"]["engine"].problem_for(code)["error"]["message"]
    return message


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"hashes": [], "pin": "1234",}',
        b"\xff\xfe",
        b"NaN",
        b'{"pin": NaN}',
        b'{"pin": "1234", "pin": "5678", "hashes": []}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["truncated", "trailing comma", "not utf-8", "NaN", "NaN value", "duplicate key", "deep"],
)
def test_submit_refuses_bad_json(client: FlaskClient, raw: bytes) -> None:
    res = client.post("/api/v1/hash-reports", data=raw[:60_000], content_type="application/json")
    assert res.status_code == 400
    assert res.get_json()["error"]["code"] in {"bad_request", "unknown_field"}


@pytest.mark.parametrize(
    "path", ["/api/v1/hash-reports", "/api/v1/hash-reports/status", "/api/v1/hash-reports/withdraw"]
)
@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        (
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data; name=f\r\n\r\nBYTES\r\n--x--",
        ),
        ("application/octet-stream", b"\x89PNG\r\n\x1a\n"),
        ("image/jpeg", b"\xff\xd8\xff"),
        ("video/mp4", b"\x00\x00\x00\x18ftypmp42"),
        ("audio/mpeg", b"ID3"),
        ("text/plain", b'{"hashes": []}'),
        ("application/x-www-form-urlencoded", b"pin=1234"),
    ],
)
def test_no_endpoint_takes_files_or_forms(
    client: FlaskClient, path: str, content_type: str, data: bytes
) -> None:
    res = client.post(path, data=data, content_type=content_type)
    assert res.status_code == 415
    assert res.get_json()["error"]["code"] == "unsupported_media"


@pytest.mark.parametrize("path", ["/api/v1/hash-reports", "/api/v1/hash-reports/status"])
def test_big_bodies_are_refused(client: FlaskClient, app: Flask, path: str) -> None:
    limit = app.config["SAFECHAT"]["MAX_BODY"]
    padding = "0" * limit
    res = client.post(
        path, data=json.dumps({"pin": PIN, "hashes": [], "x": padding}), content_type="application/json"
    )
    assert res.status_code == 413
    assert res.get_json()["error"]["code"] == "too_large"


def test_get_is_not_allowed(client: FlaskClient) -> None:
    assert client.get("/api/v1/hash-reports").status_code == 405
    assert client.get("/api/v1/hash-reports/status?case_reference=x&pin=1234").status_code == 405


# --- case reference and PIN -------------------------------------------------


def test_case_references_are_random_and_readable() -> None:
    made = {refs.new_case_reference() for _ in range(2000)}
    assert len(made) == 2000
    assert all(REF.fullmatch(r) for r in made)
    assert refs.BITS >= 60 and len(refs.ALPHABET) ** 16 == 2**refs.BITS
    assert not set("ILOU") & set("".join(made))
    # all 32 symbols turn up: uniform choice, not a subset
    assert set("".join(made).replace("-", "")) == set(refs.ALPHABET)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7K3M-Q9XD-4HNP-2RWT", "7K3M-Q9XD-4HNP-2RWT"),
        ("7k3m q9xd 4hnp 2rwt", "7K3M-Q9XD-4HNP-2RWT"),
        ("7K3MQ9XD4HNP2RWT", "7K3M-Q9XD-4HNP-2RWT"),
        ("OK3M-Q9XD-4HNP-2RWI", "0K3M-Q9XD-4HNP-2RW1"),  # O read as 0, I as 1 (Crockford)
        ("lK3M-Q9XD-4HNP-2RWT", "1K3M-Q9XD-4HNP-2RWT"),
        ("7K3M-Q9XD-4HNP-2RW", None),
        ("7K3M-Q9XD-4HNP-2RWTX", None),
        ("7K3M-Q9XD-4HNP-2RWU", None),
        ("", None),
        (12345, None),
        ("7K3M-Q9XD-4HNP-2RWT" + " " * 40, None),
    ],
)
def test_case_reference_as_typed(typed: Any, expected: str | None) -> None:
    assert refs.normalise_case_reference(typed) == expected


def test_status_with_the_right_pin(client: FlaskClient) -> None:
    created = submit(client).get_json()
    ref = created["case_reference"]
    for typed in (ref, ref.lower().replace("-", " ")):
        res = login(client, "status", typed)
        assert res.status_code == 200
        assert res.get_json() == created


def test_wrong_pin_and_no_such_case_look_the_same(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = submit(client).get_json()["case_reference"]
    other = next(r for r in iter(refs.new_case_reference, None) if r != ref)
    work: list[bytes] = []
    real = refs._scrypt

    def counting(pin: str, salt: bytes) -> bytes:
        work.append(salt)
        return real(pin, salt)

    monkeypatch.setattr(refs, "_scrypt", counting)
    wrong_pin = login(client, "status", ref, "0000")
    no_case = login(client, "status", other)
    assert wrong_pin.status_code == no_case.status_code == 404
    assert wrong_pin.get_json() == no_case.get_json()
    assert wrong_pin.get_json()["error"]["code"] == "case_not_found"
    assert len(work) == 2  # scrypt ran for the missing case too


def test_malformed_login_bodies(client: FlaskClient) -> None:
    ref = submit(client).get_json()["case_reference"]
    cases = [
        ({"case_reference": "nope", "pin": PIN}, "bad_case_reference"),
        ({"case_reference": ref, "pin": "12"}, "bad_pin"),
        ({"case_reference": ref}, "bad_pin"),
        ({"pin": PIN}, "bad_case_reference"),
        ({"case_reference": ref, "pin": PIN, "extra": 1}, "unknown_field"),
    ]
    for body, code in cases:
        for what in ("status", "withdraw"):
            res = client.post(f"/api/v1/hash-reports/{what}", json=body)
            assert (res.status_code, res.get_json()["error"]["code"]) == (400, code), body
    assert login(client, "status", ref).get_json()["status"] == "Active"


def test_pin_tries_are_limited_per_case(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    limiter = FailureLimiter(app.config["SAFECHAT"]["DATABASE"], clock=lambda: now[0])
    monkeypatch.setattr(app.extensions[EXTENSION], "limiter", limiter)
    ref = submit(client).get_json()["case_reference"]
    other = submit(client).get_json()["case_reference"]
    for _ in range(5):
        assert login(client, "status", ref, "9999").status_code == 404
    locked = login(client, "status", ref)  # even the right PIN waits
    assert locked.status_code == 429
    assert locked.get_json()["error"]["code"] == "too_many_tries"
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert login(client, "withdraw", ref).status_code == 429
    assert login(client, "status", other).status_code == 200  # other cases are not affected
    now[0] += 15 * 60
    assert login(client, "status", ref).get_json()["status"] == "Active"


def test_missing_cases_are_limited_the_same_way(client: FlaskClient) -> None:
    ghost = refs.new_case_reference()
    statuses = [login(client, "status", ghost).status_code for _ in range(6)]
    assert statuses == [404] * 5 + [429]  # being locked out says nothing about existence
    assert login(client, "status", ghost.lower()).status_code == 429  # the same case, however typed


def test_limiter_window_and_forgetting(tmp_path: Path) -> None:
    now = [0.0]
    db = str(tmp_path / "t.db")
    open_db(db).close()
    limiter = FailureLimiter(db, max_failures=2, window=10, clock=lambda: now[0])
    assert limiter.attempt("a") == 0
    now[0] = 5
    assert limiter.attempt("a") == 0
    assert limiter.attempt("a") == 5  # two tries in the window: locked until the first is 10 s old
    now[0] = 10
    assert limiter.attempt("a") == 0  # the lock is over: two fresh tries
    assert limiter.attempt("a") == 0
    assert limiter.attempt("a") == 20  # the second lock in a row is twice as long
    limiter.succeeded("a")
    assert limiter.attempt("a") == 0
    limiter.attempt("b")
    now[0] = 30
    limiter.attempt("c")
    # Tries older than the window are gone from the database, for every case.
    assert [r["case_reference"] for r in Database(db)["pin_tries"].rows] == ["c"]
    # ... and when a process starts, even if no one tries a PIN again.
    now[0] = 100
    FailureLimiter(db, window=10, clock=lambda: now[0])
    assert list(Database(db)["pin_tries"].rows) == []


def test_limiter_counts_a_try_before_its_pin_is_checked(tmp_path: Path) -> None:
    """Guesses sent in parallel each reserve a try before the slow PIN check,
    so the sixth is refused even if none of the first five has finished."""
    db = str(tmp_path / "t.db")
    open_db(db).close()
    limiter = FailureLimiter(db, max_failures=5)
    assert [limiter.attempt("K") for _ in range(6)][:5] == [0] * 5
    assert limiter.attempt("K") > 0


def test_processes_share_one_count_of_tries(tmp_path: Path) -> None:
    """Behind a load balancer each guess may reach a different process: the
    count lives in the shared database, so two processes give no extra tries,
    even guessing at the same moment."""
    db = str(tmp_path / "t.db")
    open_db(db).close()
    code = (
        "import sys; from app.report.limits import FailureLimiter; "
        "lim = FailureLimiter(sys.argv[1]); "
        "print(sum(lim.attempt('SAME') == 0 for _ in range(4)))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, db], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        for _ in range(3)
    ]
    allowed = sum(int(p.communicate(timeout=60)[0]) for p in procs)
    assert allowed == 5  # 12 guesses from 3 processes, 5 allowed in all


# --- withdrawing ------------------------------------------------------------


def test_withdraw_flow(pclient: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports, "today", lambda: "2026-11-20")
    ref = submit(pclient).get_json()["case_reference"]
    assert {r["hashStatus"] for r in export(pclient).get_json()["hashRecords"]} == {"Active"}
    monkeypatch.setattr(reports, "today", lambda: "2026-11-22")
    assert login(pclient, "withdraw", ref, "1111").status_code == 404
    res = login(pclient, "withdraw", ref)
    assert res.status_code == 200
    body = res.get_json()
    assert (body["status"], body["created"], body["last_modified"]) == (
        "Withdrawn",
        "2026-11-20",
        "2026-11-22",
    )
    assert login(pclient, "status", ref).get_json() == body
    monkeypatch.setattr(reports, "today", lambda: "2026-11-23")
    assert login(pclient, "withdraw", ref).get_json() == body  # again: nothing changes
    records = export(pclient).get_json()["hashRecords"]
    assert len(records) == 3
    assert {(r["hashStatus"], r["lastModified"]) for r in records} == {("Withdrawn", "2026-11-22")}


# --- partner export ---------------------------------------------------------


def test_partner_auth(pclient: FlaskClient, client: FlaskClient) -> None:
    submit(pclient)
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
    ):
        res = pclient.get("/api/v1/partner/hashes", headers=headers)
        assert res.status_code == 401, headers
        assert res.get_json()["error"]["code"] == "partner_unauthorized"
        assert res.headers["WWW-Authenticate"].startswith("Bearer")
    assert export(pclient).status_code == 200
    assert export(pclient, OTHER_TOKEN).status_code == 200
    assert export(pclient, f"{TOKEN}", since="2000-01-01").status_code == 200
    # no tokens configured: nobody gets in
    assert export(client).status_code == 401
    assert export(client, "").status_code == 401


def test_partner_export_record_shape(pclient: FlaskClient) -> None:
    submit(pclient, [*image_hashes(), {"signal_type": "VideoSHA256", "value": SHA}])
    body = export(pclient).get_json()
    assert set(body) == {"hashRecords", "count", "hasMore", "nextCursor"}
    assert body["count"] == 4 and body["hasMore"] is False
    by_type = {r["signalType"]: r for r in body["hashRecords"]}
    assert set(by_type) == {"ImageMD5", "ImageSHA256", "ImagePDQ", "VideoSHA256"}
    for record in body["hashRecords"]:
        expected = {"signalType", "hashValue", "hashStatus", "lastModified"}
        if record["signalType"] == "ImagePDQ":
            expected.add("quality")
        assert set(record) == expected
        assert record["hashStatus"] == "Active"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["lastModified"])
    assert by_type["ImagePDQ"]["quality"] == 100
    assert "case" not in json.dumps(body).lower()  # case references never leave


def test_partner_export_paging(pclient: FlaskClient) -> None:
    for n in range(7):
        submit(pclient, image_hashes(n))  # 21 hashes
    seen: list[tuple[str, str]] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = export(pclient, **params).get_json()
        pages += 1
        assert body["count"] == len(body["hashRecords"]) <= 5
        seen += [(r["signalType"], r["hashValue"]) for r in body["hashRecords"]]
        cursor = body["nextCursor"]
        if not body["hasMore"]:
            break
    assert pages == 5
    assert len(seen) == len(set(seen)) == 21
    # polling again with the last cursor: nothing new, then exactly what changed
    again = export(pclient, cursor=cursor).get_json()
    assert again["hashRecords"] == [] and again["nextCursor"] == cursor
    ref = submit(pclient, image_hashes(99)).get_json()["case_reference"]
    new = export(pclient, cursor=cursor).get_json()
    assert {r["hashValue"] for r in new["hashRecords"]} == {h["value"] for h in image_hashes(99)}
    login(pclient, "withdraw", ref)
    changed = export(pclient, cursor=new["nextCursor"]).get_json()
    assert {(r["hashValue"], r["hashStatus"]) for r in changed["hashRecords"]} == {
        (h["value"], "Withdrawn") for h in image_hashes(99)
    }
    # the default page size, and the largest allowed
    assert export(pclient).get_json()["count"] == 24
    assert export(pclient, limit=500).status_code == 200


def test_partner_export_since(pclient: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports, "today", lambda: "2026-11-01")
    submit(pclient, image_hashes(1))
    monkeypatch.setattr(reports, "today", lambda: "2026-11-10")
    submit(pclient, image_hashes(2))
    assert export(pclient, since="2026-10-31").get_json()["count"] == 6
    recent = export(pclient, since="2026-11-10").get_json()["hashRecords"]
    assert {r["hashValue"] for r in recent} == {h["value"] for h in image_hashes(2)}
    assert export(pclient, since="2026-11-11").get_json()["count"] == 0


def test_shared_hash_stays_active_until_every_case_withdraws(pclient: FlaskClient) -> None:
    first = submit(pclient, image_hashes(5)).get_json()["case_reference"]
    second = submit(pclient, image_hashes(5)[:1]).get_json()["case_reference"]
    login(pclient, "withdraw", first)
    status = {r["hashValue"]: r["hashStatus"] for r in export(pclient).get_json()["hashRecords"]}
    assert len(status) == 3  # one record per hash, not per case
    assert status[image_hashes(5)[0]["value"]] == "Active"  # the second case still holds it
    assert {status[h["value"]] for h in image_hashes(5)[1:]} == {"Withdrawn"}
    login(pclient, "withdraw", second)
    assert {r["hashStatus"] for r in export(pclient).get_json()["hashRecords"]} == {"Withdrawn"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"since": "2026-13-01"}, "bad_date"),
        ({"since": "2026-1-1"}, "bad_date"),
        ({"since": "yesterday"}, "bad_date"),
        ({"since": "2026-11-21T00:00"}, "bad_date"),
        ({"cursor": "made-up"}, "bad_cursor"),
        ({"limit": "0"}, "bad_limit"),
        ({"limit": "501"}, "bad_limit"),
        ({"limit": "ten"}, "bad_limit"),
        ({"limit": "-1"}, "bad_limit"),
        ({"page": "2"}, "bad_request"),
    ],
)
def test_partner_export_refuses_bad_queries(pclient: FlaskClient, params: dict[str, str], code: str) -> None:
    res = export(pclient, **params)
    assert res.status_code == 400
    assert res.get_json()["error"]["code"] == code


def test_partner_cursor_cannot_be_forged(pclient: FlaskClient, partner_app: Flask) -> None:
    from app.report.partner import cursor_serializer

    other = cursor_serializer("not-the-secret-key").dumps([0, "", ""])
    assert export(pclient, cursor=other).get_json()["error"]["code"] == "bad_cursor"
    wrong_shape = cursor_serializer(partner_app.config["SECRET_KEY"]).dumps(["0", "", ""])
    assert export(pclient, cursor=wrong_shape).get_json()["error"]["code"] == "bad_cursor"


# --- start-up and logs ------------------------------------------------------


def test_production_refuses_short_partner_tokens(tmp_path: Path) -> None:
    base = {"INSTANCE_DIR": str(tmp_path), "ENV": "production", "SECRET_KEY": "k" * 40}
    with pytest.raises(SettingsError, match="SAFECHAT_PARTNER_TOKENS"):
        create_app({**base, "PARTNER_TOKENS": f"{TOKEN},short-token"})
    # Checked with the other settings, before any part of the app is built.
    with pytest.raises(SettingsError, match="SAFECHAT_PARTNER_TOKENS"):
        settings.load({**base, "PARTNER_TOKENS": "short-token"})
    app = create_app({**base, "PARTNER_TOKENS": TOKEN})
    assert export(app.test_client()).status_code == 200
    # development accepts short tokens (local testing)
    dev = create_app({"INSTANCE_DIR": str(tmp_path / "dev"), "PARTNER_TOKENS": "short"})
    assert export(dev.test_client(), "short").status_code == 200


def test_pins_and_tokens_never_logged(pclient: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ref = submit(pclient, pin="86420135").get_json()["case_reference"]
    login(pclient, "status", ref, "86420135")
    login(pclient, "withdraw", ref, "11223344")
    export(pclient)
    export(pclient, "wrong-token-value")
    text = caplog.text
    for secret in ("86420135", "11223344", TOKEN, "wrong-token-value", ref):
        assert secret not in text


def test_answers_are_never_cached(pclient: FlaskClient) -> None:
    ref = submit(pclient).get_json()["case_reference"]
    for res in (login(pclient, "status", ref), export(pclient), login(pclient, "status", ref, "0000")):
        assert res.headers["Cache-Control"] == "no-store"


def test_submissions_and_pin_checks_are_limited_per_address(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "INSTANCE_DIR": str(tmp_path), "RATE_HASH_REPORTS": "3/60"})
    client = app.test_client()
    body = {"case_reference": "7K3M-Q9XD-4HNP-2RWT", "pin": "1234"}
    codes = [client.post("/api/v1/hash-reports/status", json=body).status_code for _ in range(3)]
    assert codes == [404, 404, 404]
    limited = client.post("/api/v1/hash-reports", json={"hashes": [], "pin": "1234"})
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"


def test_scrypt_does_not_stall_a_gevent_server() -> None:
    """Under gevent (the default server) a PIN check runs in the thread pool:
    other greenlets keep running meanwhile."""
    code = """
from gevent import monkey; monkey.patch_all()
import gevent
from app.report.refs import hash_pin
ticks = []
def tick():
    while True:
        ticks.append(1); gevent.sleep(0.005)
g = gevent.spawn(tick); gevent.sleep(0)
before = len(ticks)
for _ in range(3):
    hash_pin("1234")
print(len(ticks) - before)
g.kill()
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) >= 20  # ~0.5 s of scrypt, ticking every 5 ms
