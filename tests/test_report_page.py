"""/fingerprints (first served at /report-remove) through the real app in headless Chromium: files are
fingerprinted in the page's Web Worker under the real CSP, results match the
reference hashes, no request carries file bytes or names, and the optional
send / check / take back steps work end to end."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from live import CHROMIUM, Server
from playwright.sync_api import Page, expect
from test_pdq_browser import TESTDATA, expected_rows, hamming

from app.engine.checks import reading_grade

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
TOKEN = "page-test-partner-token-" + "z" * 32
MARKER = b"FILE-BYTES-MARKER-" * 2000
SECRET_NAME = "private-name-do-not-send.mp4"
PAGE = "/fingerprints"

browser_only = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium (apt install chromium)"
)


# --- without a browser --------------------------------------------------------


def test_page_works_without_javascript(client: FlaskClient) -> None:
    res = client.get(PAGE)
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    noscript = html[html.index("<noscript>") : html.index("</noscript>")]
    assert "needs JavaScript" in noscript
    assert (
        "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/"
        "remove-nude-image-shared-online/" in noscript
    )
    assert 'id="hasher" class="card" aria-labelledby="choose-title" hidden' in html
    assert "https://takeitdown.ncmec.org/" in html
    assert re.search(
        r'<input type="file" id="files" class="visually-hidden" multiple accept="image/\*,video/\*"', html
    )
    assert "/static/css/report.css" in html and re.search(r"/static/build/report\.[0-9a-f]+\.js", html)
    assert "worker-src 'self'" in res.headers["Content-Security-Policy"]


def test_the_old_address_redirects_for_good(client: FlaskClient) -> None:
    res = client.get("/report-remove?lang=cy")
    assert res.status_code == 308 and res.headers["Location"].endswith("/fingerprints?lang=cy")
    assert client.get("/report-remove").headers["Location"].endswith("/fingerprints")


def test_page_says_it_is_not_report_remove(client: FlaskClient) -> None:
    """GUIDANCE §4: our page is an extra, named for what it is; Childline's
    Report Remove comes first, and the page is honest about where codes go."""
    html = client.get(PAGE).get_data(as_text=True).replace("&#39;", "'")
    title = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert title and title[1].strip() == "Make fingerprints on this phone"
    assert "Report Remove" not in re.search(r"<title>(.*?)</title>", html, re.S)[1]
    intro = html[html.index("</h1>") : html.index('id="what-title"')]
    assert "This page is not Report Remove, and it does not report anything." in intro
    assert "childline.org.uk/info-advice" in intro
    assert "only go to websites that have signed up with us" in intro and "There may not be any yet." in intro


def test_words_for_young_people_are_plain(client: FlaskClient) -> None:
    """Reading age about 9: short sentences in the parts written for young people."""
    html = client.get(PAGE).get_data(as_text=True)
    paragraphs = [
        re.sub(r"<[^>]+>", "", p) for p in re.findall(r'<p class="[^"]*plain[^"]*">(.*?)</p>', html, re.S)
    ]
    assert len(paragraphs) >= 12
    text = " ".join(p.replace("&#39;", "'").strip() for p in paragraphs)
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", text) if s]
    assert max(len(s.split()) for s in sentences) <= 20
    assert reading_grade(text) <= 5.0  # US grade 4-5 is about age 9-10


@pytest.mark.parametrize(("lang", "words"), [("en", "choose up to {n} pictures"), ("cy", "hyd at {n} llun")])
def test_too_many_files_message_matches_the_real_limit(client: FlaskClient, lang: str, words: str) -> None:
    """A picture makes three fingerprints (MD5, SHA-256, PDQ), a video two: the
    number the page promises must fit the API's limit, in every language."""
    from app.report.validate import MAX_HASHES

    html = client.get(f"{PAGE}?lang={lang}").get_data(as_text=True)
    message = re.search(r'data-too-many="([^"]*)"', html)
    assert message, "the page has no too-many-files message"
    promised = MAX_HASHES // 3
    assert words.format(n=promised) in message[1]
    assert promised * 3 <= MAX_HASHES < (promised + 1) * 3


# --- the real app in a real browser -----------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real server (`python -m app`) with a partner token, as `make test` built it."""
    server = Server(
        str(tmp_path_factory.mktemp("instance")),
        extra_env={"SAFECHAT_PARTNER_TOKENS": TOKEN, "SAFECHAT_RATE_HASH_REPORTS": "0"},
    )
    server.start()
    yield server.base
    server.stop()


class Session:
    """A page on the live app, with every request and console error it causes."""

    def __init__(self, page: Page):
        self.page = page
        self.requests: list[Any] = []
        self.errors: list[str] = []  # console errors (a CSP refusal would show here) and uncaught ones
        self.failed: list[tuple[str, int]] = []
        page.on("request", self._request)
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        page.on("response", self._response)

    def _request(self, request: Any) -> None:  # Playwright can't wrap list.append
        self.requests.append(request)

    def _console(self, message: Any) -> None:
        # HTTP failures are checked by status (answers); this would only repeat them
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.failed.append((urlsplit(response.url).path, response.status))

    def _page_error(self, error: Any) -> None:
        self.errors.append(str(error))


@pytest.fixture
def session(browser: Any, live: str) -> Iterator[Session]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live)
    page = context.new_page()
    s = Session(page)
    page.goto(PAGE)
    expect(page.locator("#hasher")).to_be_visible()
    yield s
    context.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("files")
    paths = {row["file"]: TESTDATA / row["file"] for row in expected_rows()}
    paths[SECRET_NAME] = folder / SECRET_NAME
    paths[SECRET_NAME].write_bytes(MARKER)
    paths["notes.pdf"] = folder / "notes.pdf"
    paths["notes.pdf"].write_bytes(b"%PDF-1.4 " + MARKER)
    return paths


def fingerprint(session: Session, paths: list[Path]) -> dict[str, dict[str, str]]:
    page = session.page
    page.set_input_files("#files", [str(p) for p in paths])
    expect(page.locator("#result-list .result.finished, #result-list .result.failed")).to_have_count(
        len(paths), timeout=120_000
    )
    results = page.eval_on_selector_all(
        "#result-list .result",
        "els => els.map(e => ({...e.dataset, classes: e.className,"
        " status: e.querySelector('.file-status').textContent}))",
    )
    return {r["file"]: r for r in results}


@browser_only
def test_fingerprints_match_reference_and_nothing_is_sent(session: Session, files: dict[str, Path]) -> None:
    page = session.page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-before.png"), full_page=True)
    before = len(session.requests)

    results = fingerprint(session, list(files.values()))

    assert session.requests[before:] == [], [r.url for r in session.requests[before:]]  # hashing: no requests
    for row in expected_rows():
        r = results[row["file"]]
        assert r["md5"] == row["md5"] and r["sha256"] == row["sha256"], row["file"]
        assert r["kind"] == "image" and re.fullmatch(r"[0-9a-f]{64}", r["pdq"])
        quality = int(r["pdqQuality"])
        if row["file"].endswith(".png"):
            assert hamming(r["pdq"], row["pdq_hex"]) <= 2, row["file"]
        elif int(row["quality"]) >= 80:
            assert hamming(r["pdq"], row["pdq_hex"]) <= 10, row["file"]
        assert ("low-quality" in r["classes"]) == (quality < 50), row["file"]
    assert int(results["misc-images__small.jpg"]["pdqQuality"]) < 50
    assert "may not match" in results["misc-images__small.jpg"]["status"]
    video = results[SECRET_NAME]
    assert video["kind"] == "video" and "pdq" not in video
    assert video["md5"] == hashlib.md5(MARKER).hexdigest()
    assert video["sha256"] == hashlib.sha256(MARKER).hexdigest()
    assert results["notes.pdf"]["kind"] == "other"

    # Each file has a labelled progress bar, finished, inside the live region.
    progress = page.locator("#results[aria-live='polite'] progress")
    expect(progress).to_have_count(len(files))
    for i in range(len(files)):
        bar = progress.nth(i)
        assert bar.evaluate("p => p.value === p.max && p.labels.length === 1")
        expect(bar).to_have_accessible_name(re.compile(r"^Fingerprint for \S"))
    expect(page.locator("#summary")).to_contain_text("stayed on this device")
    expect(page.locator("#submit")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "report-after.png"), full_page=True)
    assert session.errors == [] and session.failed == []
    assert_no_file_content_left(session, files)


def assert_no_file_content_left(session: Session, files: dict[str, Path]) -> None:
    """Every request of the session: same origin, and no file bytes or names."""
    samples = [MARKER[:64]] + [p.read_bytes()[200:264] for p in files.values()]
    for request in session.requests:
        url = urlsplit(request.url)
        assert request.url.startswith(session.page.url.split(PAGE)[0]), request.url
        body = request.post_data_buffer or b""
        assert len(body) < 16_000, request.url
        for name in files:
            assert name not in request.url and name.encode() not in body
        for sample in samples:
            assert sample not in body
        if request.method != "GET":
            assert url.path.startswith("/api/v1/hash-reports"), request.url
            assert request.headers["content-type"] == "application/json"


@browser_only
def test_send_check_and_take_back(session: Session, files: dict[str, Path], live: str) -> None:
    page = session.page
    chosen = [
        files["misc-images__modes__1.png"],
        files["bridge-mods__square-512x512.jpg"],
        files[SECRET_NAME],
        files["notes.pdf"],
    ]
    results = fingerprint(session, chosen)

    submit = page.locator("#submit")
    expect(submit).to_contain_text("You don't have to do this")
    page.get_by_label("13 to 15").check()
    page.get_by_label("Choose a PIN: 4 to 8 numbers").fill("12")
    page.get_by_role("button", name="Send the fingerprints").click()
    expect(page.locator("#submit-problem")).to_contain_text("4 to 8 numbers")
    page.get_by_label("Choose a PIN: 4 to 8 numbers").fill("480917")
    with page.expect_request("**/api/v1/hash-reports") as sent:
        page.get_by_role("button", name="Send the fingerprints").click()
    ref_el = page.locator("#case-refs .case-ref")
    expect(ref_el).to_have_text(re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$"))
    ref = ref_el.inner_text()
    page.screenshot(path=str(ARTIFACTS / "report-sent.png"), full_page=True)

    body = json.loads(sent.value.post_data_buffer)
    assert set(body) == {"hashes", "pin", "age_range"} and body["age_range"] == "13_15"
    expected = set()
    for name in ("misc-images__modes__1.png", "bridge-mods__square-512x512.jpg"):
        r = results[name]
        expected |= {
            ("ImageMD5", r["md5"], None),
            ("ImageSHA256", r["sha256"], None),
            ("ImagePDQ", r["pdq"], int(r["pdqQuality"])),
        }
    v = results[SECRET_NAME]
    expected |= {("VideoMD5", v["md5"], None), ("VideoSHA256", v["sha256"], None)}
    assert {(h["signal_type"], h["value"], h.get("quality")) for h in body["hashes"]} == expected

    # check, then take back (with a confirm step), by case reference and PIN
    manage = page.locator("#manage")
    manage.get_by_label("Case reference").fill(ref.lower().replace("-", " "))
    manage.get_by_label("Your PIN").fill("000000")
    manage.get_by_role("button", name="Check my report").click()
    expect(page.locator("#manage-problem")).to_contain_text("couldn't find a report")
    manage.get_by_label("Your PIN").fill("480917")
    manage.get_by_role("button", name="Check my report").click()
    expect(page.locator("#manage-result")).to_contain_text("Your report is active. It has 8 codes.")
    expect(page.locator("#manage-problem")).to_be_hidden()
    manage.get_by_role("button", name="Take my report back").click()
    expect(page.locator("#withdraw-confirm")).to_be_visible()
    expect(page.get_by_role("button", name="Yes, take it back")).to_be_focused()
    page.get_by_role("button", name="Yes, take it back").click()
    expect(page.locator("#manage-result")).to_contain_text("taken back")

    request = urllib.request.Request(
        live + "/api/v1/partner/hashes", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request) as res:
        records = json.load(res)["hashRecords"]
    assert {(r["signalType"], r["hashValue"]) for r in records} >= {(t, v) for t, v, _ in expected}
    assert {
        r["hashStatus"]
        for r in records
        if (r["signalType"], r["hashValue"]) in {(t, v) for t, v, _ in expected}
    } == {"Withdrawn"}
    assert session.errors == []
    assert session.failed == [("/api/v1/hash-reports", 400), ("/api/v1/hash-reports/status", 404)]
    assert_no_file_content_left(session, files)


@browser_only
def test_without_javascript_in_a_browser(browser: Any, live: str) -> None:
    context = browser.new_context(java_script_enabled=False, base_url=live)
    page = context.new_page()
    page.goto(PAGE)
    expect(page.get_by_role("link", name="Go to Report Remove", exact=True)).to_be_visible()
    # the intro's link to the real Report Remove (visible), and the no-JavaScript card's
    childline = page.get_by_role("link", name="Go to Report Remove on the Childline website")
    expect(childline).to_have_count(2)
    expect(childline.first).to_be_visible()
    expect(page.get_by_role("link", name="Go to Take It Down")).to_be_visible()
    expect(page.locator("#files")).to_be_hidden()
    expect(page.locator("#submit")).to_be_hidden()
    expect(page.locator("#manage")).to_be_hidden()
    context.close()


@browser_only
def test_keyboard_and_accessibility(browser: Any, live: str) -> None:
    context = browser.new_context(base_url=live)
    page = context.new_page()
    page.goto(PAGE)
    expect(page.locator("#hasher")).to_be_visible()
    page.set_input_files("#files", [str(TESTDATA / "misc-images__wee.jpg")])
    expect(page.locator("#result-list .result.finished")).to_have_count(1, timeout=60_000)
    page.get_by_text("Show the codes").click()
    # evaluated from the test, not page script: the page's CSP stays as it is
    page.evaluate((ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8"))
    violations = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',"
        " 'wcag22aa', 'best-practice'], rules: {region: {enabled: false}}}))"  # region: base.html's exit bar
        ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    assert violations == []
    # keyboard: the file picker and every button can be reached with Tab, with a visible focus ring
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
    assert {"files", "pin", "case-reference"} <= reached
    page.focus("#files")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    context.close()


def test_a_failed_worker_fails_each_file_instead_of_hanging(
    browser: Any, live: str, files: dict[str, Path]
) -> None:
    context = browser.new_context(base_url=live)
    page = context.new_page()
    page.route(
        "**/build/hash-worker*.js",
        lambda r: r.fulfill(body="throw new Error('x')", content_type="text/javascript"),
    )
    page.goto(PAGE)
    page.set_input_files("#files", [str(files[SECRET_NAME])])
    expect(page.locator("#result-list .result.failed")).to_have_count(1)
    assert page.locator("#result-list .result").get_attribute("aria-busy") == "false"
    context.close()
