"""Issue 18: "Did this help?", /insights, /insights.csv and /metrics.

The first tests use the app in-process; the rest drive the real server
(`python -m app`) through all three transports, then read what an operator
would read, and Chromium checks the charts with axe."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio as sio_client
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from app.insights import data
from app.insights.data import Cell, suppress, total
from app.settings import SettingsError

TOKEN = "insights-token-for-tests-" + "x" * 16
BASIC = {"Authorization": "Basic " + base64.b64encode(f"operator:{TOKEN}".encode()).decode()}
BEARER = {"Authorization": f"Bearer {TOKEN}"}
TODAY = dt.date.today().isoformat()


@pytest.fixture(scope="module")
def insights_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("insights")),
            "RATE_PER_CONNECTION": "0",
            "RATE_PER_CLIENT": "0",
            "INSIGHTS_TOKEN": TOKEN,
        }
    )


# -- settings and access ----------------------------------------------------------


def test_production_refuses_a_weak_insights_token(tmp_path: Path) -> None:
    base = {"INSTANCE_DIR": str(tmp_path), "ENV": "production", "SECRET_KEY": "k" * 40}
    with pytest.raises(SettingsError, match="SAFECHAT_INSIGHTS_TOKEN"):
        create_app({**base, "INSIGHTS_TOKEN": "short"})
    create_app({**base, "INSIGHTS_TOKEN": "t" * 32})  # long enough
    create_app(base)  # unset: off, and fine


@pytest.mark.parametrize("path", ["/insights", "/insights.csv", "/metrics"])
def test_everything_is_off_without_a_token(client: Any, path: str) -> None:
    assert client.get(path).status_code == 404
    assert client.get(path, headers=BASIC).status_code == 404


@pytest.mark.parametrize("path", ["/insights", "/insights.csv", "/metrics"])
def test_the_token_is_needed(insights_app: Flask, path: str) -> None:
    insights_app.extensions["safechat"].pop("insights_failures", None)  # a fresh count of failed tries
    c = insights_app.test_client()
    res = c.get(path)
    assert res.status_code == 401 and res.headers["WWW-Authenticate"].startswith("Basic ")
    assert "Set-Cookie" not in res.headers
    wrong = base64.b64encode(b"operator:" + TOKEN.encode() + b"x").decode()
    assert c.get(path, headers={"Authorization": f"Basic {wrong}"}).status_code == 401
    assert c.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert c.get(path, headers={"Authorization": "Basic !!!"}).status_code == 401  # not base64: kind, not 500
    assert c.get(path, headers=BASIC).status_code == 200
    assert c.get(path, headers=BEARER).status_code == 200


def test_failed_tries_are_limited_before_the_token_is_checked(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "INSTANCE_DIR": str(tmp_path), "INSIGHTS_TOKEN": TOKEN})
    c = app.test_client()
    for _ in range(10):
        assert c.get("/metrics", headers={"Authorization": "Bearer guess"}).status_code == 401
    # Over the limit even the right token waits: guessing gains nothing.
    res = c.get("/metrics", headers=BEARER)
    assert res.status_code == 429 and res.headers["Retry-After"] == "60"


# -- the numbers --------------------------------------------------------------------


def test_small_counts_are_withheld_and_totals_cannot_reveal_them() -> None:
    assert [Cell(n, data.small(n)).shown for n in (0, 1, 9, 10, 250)] == [0, None, None, 10, 250]
    assert total([Cell(40), Cell(30)]) == Cell(70)
    assert total([Cell(3), Cell(4)]).withheld  # 7 is small itself
    assert total([Cell(40), Cell(3, True)]).withheld  # 43 − 40 would give the 3 away
    assert not total([Cell(40), Cell(3, True), Cell(5, True)]).withheld  # 8 shared by two: neither revealed
    cells = suppress(
        {
            ("d", "welcome", "lang:en"): 400,
            ("d", "welcome", "lang:cy"): 3,
            ("d", "welcome", "audience"): 403,
            ("e", "welcome", "lang:en"): 50,
            ("e", "welcome", "lang:cy"): 12,
        }
    )
    # 403 opened, so showing English's 400 would show Welsh's 3: both withheld.
    assert cells[("d", "welcome", "lang:en")].withheld and cells[("d", "welcome", "lang:cy")].withheld
    assert not cells[("d", "welcome", "audience")].withheld
    assert cells[("e", "welcome", "lang:cy")].shown == 12


def test_a_period_shows_both_languages_or_neither(insights_app: Flask) -> None:
    """Each day's languages are withheld together, and so are the period's:
    Welsh on two small days adds up to 4, still small, while English's 405
    would be shown; with 409 opened, 409 - 405 would give the 4 away."""
    from sqlite_utils import Database

    today = dt.date.today()
    days = [(today - dt.timedelta(days=n)).isoformat() for n in (1, 2)]
    rows = [
        (days[0], "lang:en", 400),
        (days[0], "lang:cy", 3),
        (days[1], "lang:en", 5),
        (days[1], "lang:cy", 1),
    ]
    rows += [(days[0], "audience", 403), (days[1], "audience", 6)]
    db = Database(insights_app.config["SAFECHAT"]["DATABASE"])
    db["counters"].insert_all(
        [{"day": d, "flow": "welcome", "state": st, "count": n} for d, st, n in rows], replace=True
    )
    try:
        html = insights_app.test_client().get("/insights?days=7", headers=BASIC).get_data(as_text=True)
        language = {r[0]: r[1] for r in table(html, "language")[1:]}
        assert language["English"] == language["Cymraeg"] == "fewer than 10" or not any(
            v.replace(",", "").isdigit() for v in language.values()
        ), language
        assert "405" not in language.values()
    finally:
        db.execute("DELETE FROM counters")
        db.conn.commit()


@pytest.mark.parametrize(
    "query",
    [
        "?days=5",
        "?from=2026-13-01&to=2026-12-01",
        "?from=2026-11-30&to=2026-11-01",
        "?from=2020-01-01&to=2026-01-01",
        "?from=x",
    ],
)
def test_a_bad_period_gets_a_kind_answer(insights_app: Flask, query: str) -> None:
    c = insights_app.test_client()
    for path in ("/insights", "/insights.csv"):
        res = c.get(path + query, headers=BASIC)
        assert res.status_code == 400 and b"Choose the last 7, 30 or 90 days" in res.data


# -- "Did this help?" in the engine ---------------------------------------------------------


def walk(api: Any, *choices: str) -> dict[str, Any]:
    _status, turn = api({})
    for choice in choices:
        status, turn = api({"token": turn["token"], "choose": choice})
        assert status == 200, turn
    return turn


def test_did_this_help_is_asked_at_the_end_and_with_the_help_now_card(api: Any) -> None:
    menu = walk(api, "young_person")
    assert menu["feedback"] is None
    assert api({"token": menu["token"], "choose": "helped_yes"})[1]["error"]["code"] == "unknown_option"
    end = walk(api, "young_person", "youth_other")
    assert end["end"] and [o["id"] for o in end["feedback"]["options"]] == [
        "helped_yes",
        "helped_a_bit",
        "helped_no",
    ]
    assert end["feedback"]["question"].startswith("Did this help?")
    assert "help_now" in [o["id"] for o in end["options"]]  # urgent help stays one tap away
    card = api({"token": menu["token"], "choose": "help_now"})[1]
    assert card["crisis"] and card["feedback"] is not None


def test_an_answer_is_thanked_once_and_not_asked_again(api: Any) -> None:
    end = walk(api, "young_person", "youth_other")
    status, thanked = api({"token": end["token"], "choose": "helped_a_bit"})
    assert status == 200 and thanked["feedback"] is None
    assert [m["id"] for m in thanked["messages"]] == ["common.feedback_thanks"]
    assert (thanked["flow"], thanked["state"], thanked["end"]) == ("welcome", "youth_other", True)
    again = api({"token": thanked["token"]})[1]  # a reload: the step, without the question
    assert again["feedback"] is None and again["messages"][0]["id"] != "common.feedback_thanks"
    card = api({"token": thanked["token"], "choose": "help_now"})[1]
    assert card["crisis"] and card["feedback"] is None  # once a conversation
    assert api({"token": thanked["token"], "choose": "helped_no"})[1]["error"]["code"] == "unknown_option"


def test_plain_forms_ask_and_thank_in_welsh_too(client: Any) -> None:
    page = client.get("/chat?lang=cy").get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    for choice in ("young_person", "youth_other"):
        res = client.post("/chat", data={"token": token, "choose": choice})
        page = client.get(res.headers["Location"]).get_data(as_text=True)
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert 'id="feedback" class="feedback">' in page and "Oedd hyn o help?" in page
    res = client.post("/chat", data={"token": token, "choose": "helped_yes"})
    assert res.status_code == 303 and "thanks=1" in res.headers["Location"]
    page = client.get(res.headers["Location"]).get_data(as_text=True)
    assert "Diolch am ddweud wrthon ni" in page and 'id="feedback" class="feedback" hidden' in page


# -- the real server, all three transports ---------------------------------------------


@pytest.fixture(scope="module")
def operated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from live import Server

    server = Server(
        str(tmp_path_factory.mktemp("operated")),
        extra_env={
            "SAFECHAT_INSIGHTS_TOKEN": TOKEN,
            "SAFECHAT_RATE_PER_CLIENT": "0",
            "SAFECHAT_RATE_PER_CONNECTION": "0",
        },
    )
    server.start()  # (pytest fitted the models at the start: tests/conftest.py)
    yield server
    server.stop()


def get(server: Any, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    req = urllib.request.Request(server.base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, res.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def turns_total(server: Any) -> float:
    status, text = get(server, "/metrics", BEARER)
    assert status == 200
    found = {f.name: f for f in text_string_to_metric_families(text)}
    return sum(s.value for s in found["safechat_turns"].samples if s.name == "safechat_turns_total")


class Api:
    def __init__(self, server: Any):
        self.server = server
        self.sent = 0

    def act(self, action: dict[str, Any]) -> dict[str, Any]:
        req = urllib.request.Request(
            self.server.base + "/api/v1/turn",
            data=json.dumps(action).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        self.sent += 1
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.loads(res.read())  # type: ignore[no-any-return]


class Socket:
    def __init__(self, server: Any):
        self.client = sio_client.Client(reconnection=False)
        self.got: list[dict[str, Any]] = []
        self.client.on("turn", self.got.append, namespace="/chat")
        self.client.connect(server.base, namespaces=["/chat"], transports=["websocket"])
        self.sent = 0

    def act(self, action: dict[str, Any]) -> dict[str, Any]:
        n = len(self.got)
        self.client.emit("act", action, namespace="/chat")
        self.sent += 1
        for _ in range(600):
            if len(self.got) > n:
                return self.got[-1]
            time.sleep(0.05)
        raise AssertionError("no turn")


class Forms:
    """The chat without JavaScript: every answer is a form post and a redirect."""

    def __init__(self, server: Any):
        self.server = server
        self.sent = 0
        opener = urllib.request.build_opener()
        self.open = opener.open

    def page(self, path: str) -> str:
        with self.open(self.server.base + path, timeout=30) as res:
            return res.read().decode()  # type: ignore[no-any-return]

    def act(self, token: str, **fields: str) -> str:
        body = urllib.parse.urlencode({"token": token, **fields}).encode()
        self.sent += 1
        with self.open(urllib.request.Request(self.server.base + "/chat", data=body), timeout=30) as res:
            return res.read().decode()  # type: ignore[no-any-return]


def token_in(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_conversations_in_all_three_transports_are_counted_without_anyone(operated: Any) -> None:
    """4 young people's conversations through each transport, all answering
    "Yes": 12 of each, shown. One school conversation through each: 3,
    withheld. The turn counter rises by exactly the actions sent. Nothing
    typed is kept anywhere."""
    before = turns_total(operated)
    marker = f"marker-{uuid.uuid4().hex}"
    api, socket, forms = Api(operated), Socket(operated), Forms(operated)
    try:
        for _ in range(4):
            turn = api.act({})
            for choice in ("young_person", "youth_other", "helped_yes"):
                turn = api.act({"token": turn["token"], "choose": choice})
            turn = socket.act({})
            for choice in ("young_person", "youth_other", "helped_yes"):
                turn = socket.act({"token": turn["token"], "choose": choice})
            page = forms.page("/chat")
            for choice in ("young_person", "youth_other", "helped_yes"):
                page = forms.act(token_in(page), choose=choice)
            assert "Thank you for telling us" in page
        school = api.act({"token": api.act({})["token"], "choose": "school_staff"})
        assert school["state"] == "school_menu"
        socket.act({"token": socket.act({})["token"], "choose": "school_staff"})
        forms.act(token_in(forms.page("/chat")), choose="school_staff")
        # Typed words in every transport (crisis words once, for the language-labelled flag).
        api.act({"say": f"{marker} i want to kill myself"})
        socket.act({"say": f"{marker} hello"})
        forms.act(token_in(forms.page("/chat")), say=f"{marker} hello")
        _status, text = get(operated, "/metrics", BASIC)
        families = {f.name: f for f in text_string_to_metric_families(text)}
        open_now = [s.value for s in families["safechat_open_sockets"].samples]
        assert open_now == [1.0]
    finally:
        socket.client.disconnect()
    sent = api.sent + socket.sent + forms.sent
    assert turns_total(operated) - before == sent  # exactly the turns taken, page loads aside
    families = {f.name: f for f in text_string_to_metric_families(get(operated, "/metrics", BEARER)[1])}
    flags = {
        s.labels["language"]: s.value
        for s in families["safechat_crisis_flags"].samples
        if s.name == "safechat_crisis_flags_total"
    }
    assert flags == {"en": 1.0}
    by_transport = {
        s.labels["transport"]: s.value
        for s in families["safechat_turns"].samples
        if s.name == "safechat_turns_total" and s.labels["outcome"] == "ok"
    }
    assert by_transport == {"api": api.sent, "socket": socket.sent, "form": forms.sent}
    seconds = [
        s for s in families["safechat_turn_seconds"].samples if s.name == "safechat_turn_seconds_count"
    ]
    assert seconds[0].value >= sent

    operator_sees_twelve_and_fewer_than_ten(operated)

    # Nothing typed, in the database or the log (the counters hold only days, steps and counts).
    found = subprocess.run(
        ["grep", "-r", "-a", "-l", "-e", marker, str(Path(operated.log).parent)],
        capture_output=True,
        text=True,
    )
    assert found.stdout == ""


def operator_sees_twelve_and_fewer_than_ten(operated: Any) -> None:
    """The CSV and the page agree: 12 shown, 3 withheld."""
    status, text = get(operated, f"/insights.csv?from={TODAY}&to={TODAY}", BASIC)
    assert status == 200
    rows = {
        (r["flow"], r["state"]): r["count"] for r in csv.DictReader(io.StringIO(text)) if r["day"] == TODAY
    }
    assert rows[("welcome", "youth_menu")] == "12"
    assert rows[("welcome", "youth_other")] == "12"
    assert rows[("welcome", "helped:yes")] == "12"
    assert rows[("welcome", "school_menu")] == ""  # 3: withheld
    assert all(set(r) == {"day", "flow", "state", "count"} for r in csv.DictReader(io.StringIO(text)))

    status, html = get(operated, "/insights?days=7", BASIC)
    assert status == 200
    who = table(html, "who")
    today = who[-2]  # the last day, above the period's row
    head = who[0]
    assert today[head.index("I'm under 18")] == "12"
    assert today[head.index("I work in a school")] == "fewer than 10"
    helped = dict(row for row in table(html, "helped")[1:])
    assert helped["End of a conversation: Yes"] == "12"
    assert html.count('<svg class="chart') == 7


def table(html: str, section: str) -> list[list[str]]:
    """A section's table as rows of cell texts, the head first."""
    part = html.split(f'id="{section}-caption"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", part, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip().replace("&#39;", "'")
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


# -- in Chromium -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A server reading a database filled by `make demo-data`'s command."""
    from live import Server

    from app.insights.demo import main

    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.db"
    assert main(["--database", str(db), "--days", "30"]) == 0
    server = Server(str(folder), extra_env={"SAFECHAT_INSIGHTS_TOKEN": TOKEN, "SAFECHAT_DATABASE": str(db)})
    server.start()  # (pytest fitted the models at the start: tests/conftest.py)
    yield server
    server.stop()


def test_demo_data_never_touches_a_database_it_did_not_make(tmp_path: Path) -> None:
    from app.insights.demo import main
    from app.store import open_db

    real = tmp_path / "real.db"
    open_db(str(real)).close()
    assert main(["--database", str(real)]) == 2
    with pytest.raises(SystemExit):
        main([])  # the path must be given


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_charts_are_svg_with_no_axe_violations(browser: Any, demo_server: Any, lang: str) -> None:
    from conftest import screenshot
    from test_accessibility import axe_violations

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, http_credentials={"username": "operator", "password": TOKEN}
    )
    page = context.new_page()
    try:
        page.goto(demo_server.base + f"/insights?lang={lang}")
        assert page.locator("svg.chart[role=img]").count() == 7
        assert page.locator("svg.chart rect").count() > 30  # drawn, not empty
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # fits a phone
        assert page.locator("html").get_attribute("lang") == lang
        if lang == "cy":
            assert "Tachwedd" in page.content() or "Rhagfyr" in page.content() or "Hydref" in page.content()
        screenshot(page, f"insights-{lang}")
        assert axe_violations(page) == []
    finally:
        context.close()


def test_did_this_help_in_the_browser(browser: Any, operated: Any) -> None:
    from test_accessibility import axe_violations, click_option, settle

    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(operated.base + "/")
        settle(page)
        click_option(page, "I'm under 18")
        assert page.locator("#feedback").is_hidden()
        click_option(page, "Something else, or I just want to talk")
        assert page.locator("#feedback").is_visible()
        assert page.get_by_role("group", name=re.compile("Did this help")).is_visible()
        assert axe_violations(page) == []
        click_option(page, "Yes")
        assert page.locator("#log .msg.bot").last.inner_text().endswith("or get help now.")
        assert page.locator("#feedback").is_hidden()
        assert page.get_by_role("button", name="Help now", exact=True).is_visible()
    finally:
        context.close()


def samples(app: Flask, metric: str) -> dict[tuple[tuple[str, str], ...], float]:
    """A metric's samples from /metrics, keyed by their labels but `process`."""
    text = app.test_client().get("/metrics", headers=BEARER).get_data(as_text=True)
    return {
        tuple(sorted((k, v) for k, v in s.labels.items() if k != "process")): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == metric
    }


def test_rate_limits_and_hash_reports_are_measured(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_DIR": str(tmp_path),
            "INSIGHTS_TOKEN": TOKEN,
            "RATE_PER_CLIENT": "1/60",
            "RATE_HASH_REPORTS": "1/60",
            "PROCESS_NAME": "web-1",
        }
    )
    c = app.test_client()
    assert c.post("/api/v1/turn", json={}).status_code == 200
    assert c.post("/api/v1/turn", json={}).status_code == 429
    md5 = {"signal_type": "ImageMD5", "value": "0d12d4462273b533b9197f78b9ae0001"}
    assert c.post("/api/v1/hash-reports", json={"hashes": [md5], "pin": "4827"}).status_code == 201
    assert c.post("/api/v1/hash-reports", json={"hashes": [md5], "pin": "4827"}).status_code == 429
    assert samples(app, "safechat_rate_limited_total") == {(): 2.0}
    assert samples(app, "safechat_hash_reports_total") == {(): 1.0}
    turns = samples(app, "safechat_turns_total")
    assert turns[(("outcome", "rate_limited"), ("transport", "api"))] == 1.0
    assert turns[(("outcome", "ok"), ("transport", "api"))] == 1.0
    text = c.get("/metrics", headers=BEARER).get_data(as_text=True)
    assert 'process="web-1"' in text and "_created" not in text


def test_the_childline_row_is_childline_not_its_report_remove_page() -> None:
    """A step whose only Childline link is the Report Remove page is counted
    under Report Remove (or not at all), not again as "Childline"."""
    from app.engine import Engine
    from app.insights.views import handoff_states

    root = Path(__file__).resolve().parent.parent
    engine = Engine(root / "flows", root / "content", "i" * 40)
    ways = handoff_states(engine)
    assert ("youth_image_shared", "report_remove") not in ways["childline"]
    assert ("parent_child_targeted", "report_remove") not in ways["childline"]
    assert ways["childline"] and ways["report_remove"]  # both rows still have steps
