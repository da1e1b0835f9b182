"""Authoring and review tools: diagrams, transcripts, content checks, /review."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from app import create_app, settings
from app.cli import flows as flows_cli
from app.engine import Engine, FlowError
from app.engine.checks import Finding, check_content, check_help_now, reading_grade
from app.engine.diagram import mermaid
from app.engine.paths import transcript, walk
from app.engine.predicates import PREDICATES

ROOT = Path(__file__).resolve().parent.parent
FLOW_IDS = sorted(p.stem for p in (ROOT / "flows").glob("*.yaml") if not p.name.startswith("_"))
TODAY = dt.date(2026, 11, 21)
SECRET = "s" * 32

# -- a small project in tmp_path ------------------------------------------------------

DEMO_FLOW = """\
id: demo
audience: youth
title: A demo
start: ask
states:
  ask:
    say: [youth.demo.ask]
    options:
      - id: "yes"
        label: "Yes"
        set: {adult_involved: true}
        to: [{if: any_referral_criterion, go: refer}, {go: calm}]
      - id: "no"
        label: "No"
        set: {adult_involved: false}
        to: [{if: any_referral_criterion, go: refer}, {go: calm}]
  calm:
    say: [youth.demo.calm]
    options:
      - {id: again, label: "Ask me again", to: ask}
      - {id: done, label: "Thanks; bye", to: bye}
  refer:
    say: [youth.demo.refer]
    end: true
    options:
      - {id: other, label: "Something else", flow: other}
  bye:
    say: [youth.demo.bye]
    end: true
"""
OTHER_FLOW = """\
id: other
audience: youth
title: Another one
start: hello
states:
  hello:
    say: [youth.demo.bye]
    end: true
"""
WORDS = {
    "common/help_now": "If you are in danger right now, call [999](tel:999).",
    "common/not_sure": "I'm not sure what you mean. Pick one of these.",
    "common/safety_check": "Are you thinking about hurting yourself, or are you in danger right now?",
    "common/safety_check_adults": "Is anyone in danger right now?",
    "common/not_understood": "I can't chat like a person, but Childline can: [0800 1111](tel:08001111).",
    "common/not_sure_adults": "Thank you. I'm not sure yet what you need. Pick one of these.",
    "parents/not_understood": "I can't chat like a person. Talk it through with the NSPCC helpline.",
    "schools/not_understood": "I can't chat like a person. Tell your safeguarding lead today.",
    "common/heard": "Thank you for telling me.",
    "common/feedback": "Did this help? You don't have to answer.",
    "common/feedback_thanks": "Thank you for telling us.",
    "common/problems/bad_request": "Sorry, I didn't get that. Please try again.",
    "youth/demo/ask": "Is the person an adult?",
    "youth/demo/calm": "OK. You can talk to **Childline** on [0800 1111](tel:08001111).",
    "youth/demo/refer": "Tell the police. Call [999](tel:999) if you are in danger now.",
    "youth/demo/bye": "Thanks for talking to us. Come back any time.",
}


def write_md(content: Path, rel: str, body: str, reviewed: str = "2026-11-01", source: str = "demo") -> Path:
    path = content / "en" / f"{rel}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\nsource: {source}\nreviewed: {reviewed}\n---\n{body}\n", encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """flows/ (demo, other) and content/ with clean words, in tmp_path."""
    flows, content = tmp_path / "flows", tmp_path / "content"
    flows.mkdir()
    (flows / "_global.yaml").write_text(
        (ROOT / "flows" / "_global.yaml")
        .read_text(encoding="utf-8")
        .replace("start: welcome", "start: demo"),
        encoding="utf-8",
    )
    (flows / "demo.yaml").write_text(DEMO_FLOW, encoding="utf-8")
    (flows / "other.yaml").write_text(OTHER_FLOW, encoding="utf-8")
    content.mkdir()
    (content / "sources.yaml").write_text(
        "demo:\n  title: A demo source\n  url: https://www.childline.org.uk/\n", encoding="utf-8"
    )
    shutil.copy(ROOT / "content" / "allowlist.yaml", content / "allowlist.yaml")
    (content / "en" / "parents").mkdir(parents=True)  # the family agreement page needs its rules
    shutil.copy(ROOT / "content/en/parents/agreement_rules.yaml", content / "en/parents/agreement_rules.yaml")
    for rel, body in WORDS.items():
        write_md(content, rel, body)
    return tmp_path


def engine_for(project: Path) -> Engine:
    return Engine(project / "flows", project / "content", SECRET, predicates=PREDICATES)


@pytest.fixture(scope="module")
def real_engine() -> Engine:
    return Engine(ROOT / "flows", ROOT / "content", SECRET)


def cli(project: Path, *args: str) -> Any:
    env = {
        "SAFECHAT_FLOWS_DIR": str(project / "flows"),
        "SAFECHAT_CONTENT_DIR": str(project / "content"),
        "SAFECHAT_INSTANCE_DIR": str(project / "instance"),
        "SAFECHAT_SECRET_KEY": SECRET,
    }
    return CliRunner().invoke(flows_cli, list(args), env=env)


# -- diagrams -------------------------------------------------------------------------


def test_diagram_of_a_small_flow(project: Path) -> None:
    assert mermaid(engine_for(project).flows["demo"]).splitlines() == [
        "stateDiagram-v2",
        '    state "→ other" as to_other',
        "    [*] --> ask",
        "    ask --> refer: Yes [if any_referral_criterion]",
        "    ask --> calm: Yes [otherwise]",
        "    ask --> refer: No [if any_referral_criterion]",
        "    ask --> calm: No [otherwise]",
        "    calm --> ask: Ask me again",
        "    calm --> bye: Thanks#59; bye",
        "    refer --> to_other: Something else",
        "    refer --> [*]",
        "    bye --> [*]",
        "    classDef otherflow stroke-dasharray: 4 4",
        "    class to_other otherflow",
    ]


def test_diagram_command(project: Path) -> None:
    res = cli(project, "diagram", "demo")
    assert res.exit_code == 0, res.output
    assert res.output == mermaid(engine_for(project).flows["demo"])
    res = cli(project, "diagram", "nope")
    assert res.exit_code == 1
    assert "no flow 'nope'" in res.output


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_diagram_of_every_real_flow(real_engine: Engine, flow_id: str) -> None:
    flow = real_engine.flows[flow_id]
    lines = mermaid(flow).splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert f"    [*] --> {flow.start}" in lines
    drawn = set()
    for line in lines[1:]:
        m = re.fullmatch(r"    (\S+) --> (\S+?)(?:: .+)?", line)
        if m:
            drawn |= {m.group(1), m.group(2)}
        else:
            assert line.startswith(("    state ", "    classDef ", "    class ")), line
    assert set(flow.states) <= drawn
    ends = {sid for sid, st in flow.states.items() if st.end}
    assert {sid for sid in ends if f"    {sid} --> [*]" in lines} == ends


# -- transcripts ------------------------------------------------------------------------


def test_paths_follow_reachable_branches_and_cut_loops(project: Path) -> None:
    paths = walk(engine_for(project), "demo")
    assert [(p.states, p.outcome, p.target) for p in paths] == [
        (["ask", "refer"], "flow", "other"),  # "yes" sets adult_involved: the branch refers
        (["ask", "calm"], "loop", "ask"),  # "no" goes on; asking again is cut after one pass
        (["ask", "calm", "bye"], "end", None),
    ]
    assert [s.label for s in paths[2].steps] == ["No", "Thanks; bye", None]


def test_transcripts_command(project: Path) -> None:
    res = cli(project, "transcripts", "demo")
    assert res.exit_code == 0, res.output
    out = res.output
    assert out.startswith("A demo (demo, for youth, locale en): 3 paths\n")
    assert [line for line in out.splitlines() if line.startswith("Path ")] == [
        "Path 1: ask → refer ⇒ other",
        "Path 2: ask → calm ↺ ask",
        "Path 3: ask → calm → bye",
    ]
    # The words the person sees, in plain text, and what they chose.
    assert "    OK. You can talk to Childline on 0800 1111.\n  → You chose: Thanks; bye\n" in out
    assert "(Goes on to another conversation: Another one — other.)" in out
    assert "(The conversation can end here.)" in out
    assert "**" not in out and "tel:" not in out
    assert cli(project, "transcripts", "demo", "--locale", "xx").exit_code == 1


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_every_state_of_every_real_flow_is_in_a_transcript(real_engine: Engine, flow_id: str) -> None:
    paths = walk(real_engine, flow_id)
    assert {s for p in paths for s in p.states} == set(real_engine.flows[flow_id].states)
    text = transcript(real_engine, flow_id)
    assert text.count("\nPath ") == len(paths)


# -- content checks -----------------------------------------------------------------------


def test_clean_content_has_no_findings(project: Path) -> None:
    engine = engine_for(project)
    assert check_content(engine.messages, project / "content", TODAY) == []
    assert check_help_now(engine) == []


def test_checks_catch_numbers_links_dates_and_hard_words(project: Path) -> None:
    content = project / "content"
    write_md(content, "youth/demo/bad_phone", "Ring us on 0123 456 7890 any time.")
    write_md(content, "youth/demo/short_code", "Or text HELP to 61234.")
    write_md(
        content, "youth/demo/bad_link", "See [this site](https://evil.example.com/help) or bad.example.org."
    )
    write_md(content, "youth/demo/wrong_dial", "Call [0800 1111](tel:08088005000).")
    write_md(content, "youth/demo/stale", "This is old advice.", reviewed="2025-11-20")
    hard = (
        "Notwithstanding institutional considerations, practitioners should systematically "
        "document contemporaneous safeguarding determinations."
    )
    write_md(content, "youth/demo/hard", hard)
    write_md(
        content,
        "schools/demo/hard_ok",
        "Record the decision, and the reasons for it, in the "
        "safeguarding log as soon as possible after the initial review meeting.",
    )
    engine = engine_for(project)
    found = [str(f) for f in check_content(engine.messages, content, TODAY)]
    allow = "content/allowlist.yaml"
    assert found == [
        f"content/en/youth/demo/bad_link.md: link 'https://evil.example.com/help' is not in {allow}",
        f"content/en/youth/demo/bad_link.md: web address 'bad.example.org' is not in {allow}",
        f"content/en/youth/demo/bad_phone.md: phone number '0123 456 7890' is not in {allow}",
        f"content/en/youth/demo/hard.md: reading grade {reading_grade(hard):.1f} is above 6 for youth "
        "(Flesch-Kincaid: shorter sentences, shorter words)",
        f"content/en/youth/demo/short_code.md: phone number '61234' is not in {allow}",
        "content/en/youth/demo/stale.md: warning: reviewed 2025-11-20, more than 12 months ago: "
        "review it again",
        "content/en/youth/demo/wrong_dial.md: link text '0800 1111' is not the number it dials "
        "('tel:08088005000')",
    ]
    assert reading_grade(hard) > 12


def test_check_command_fails_on_problems_but_not_warnings(project: Path) -> None:
    res = cli(project, "check")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("ok: 2 flows, 5 states, 16 messages")
    write_md(project / "content", "youth/demo/stale", "This is old advice.", reviewed="2020-01-01")
    res = cli(project, "check")
    assert res.exit_code == 0, res.output
    assert "content/en/youth/demo/stale.md: warning: reviewed 2020-01-01" in res.output
    assert "ok: 2 flows, 5 states, 17 messages, 1 warnings" in res.output
    write_md(project / "content", "youth/demo/bad_phone", "Call 0207 946 0000.")
    res = cli(project, "check")
    assert res.exit_code == 1
    assert (
        "content/en/youth/demo/bad_phone.md: phone number '0207 946 0000' is not in content/allowlist.yaml"
    ) in res.output.splitlines()


def test_checks_on_a_copy_of_the_real_content(tmp_path: Path, real_engine: Engine) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    write_md(
        content, "youth/extra/bad", "Call 0300 123 4567. It's free.", source="services", reviewed="2020-01-01"
    )
    engine = Engine(ROOT / "flows", content, SECRET)
    found = [str(f) for f in check_content(engine.messages, content, TODAY)]
    assert (
        "content/en/youth/extra/bad.md: phone number '0300 123 4567' is not in content/allowlist.yaml"
        in found
    )
    assert (
        "content/en/youth/extra/bad.md: warning: reviewed 2020-01-01, more than 12 months ago: "
        "review it again" in found
    )
    # The real words: every number and link they show is allowed, and every source has a url.
    assert not [f for f in found if "allowlist" in f and "/extra/" not in f]
    assert not [f for f in found if f.startswith("content/sources.yaml")]


def test_help_now_is_in_every_state(real_engine: Engine, project: Path) -> None:
    assert check_help_now(real_engine) == []

    class NoHelp(Engine):
        def _options(self, c: Any) -> list[dict[str, Any]]:
            return [o for o in super()._options(c) if o["id"] != "help_now"]

    broken = NoHelp(project / "flows", project / "content", SECRET)
    assert check_help_now(broken)[0] == Finding("flows/demo.yaml: state 'ask'", "no 'help_now' option")
    assert len(check_help_now(broken)) == 5


def test_reading_grade_counts_bullets_as_sentences() -> None:
    as_list = "Things to do:\n- Block them\n- Report them\n- Tell an adult you trust\n- Keep the messages"
    assert reading_grade(as_list) < 3


# -- the review page ------------------------------------------------------------------------


def test_review_flag_parses_on_and_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAFECHAT_INSTANCE_DIR", str(tmp_path))
    for raw, want in (("1", True), ("true", True), ("0", False), ("off", False), ("", False)):
        monkeypatch.setenv("SAFECHAT_REVIEW", raw)
        assert settings.load()["REVIEW"] is want
    monkeypatch.setenv("SAFECHAT_REVIEW", "maybe")
    with pytest.raises(settings.SettingsError):
        settings.load()


def test_review_is_off_by_default(client: Any) -> None:
    assert client.get("/review").status_code == 404
    assert client.get("/review/welcome/transcripts.txt").status_code == 404


@pytest.fixture
def review_app(tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "INSTANCE_DIR": str(tmp_path / "instance"), "REVIEW": True})


def test_review_page_shows_every_flow(review_app: Flask) -> None:
    client = review_app.test_client()
    res = client.get("/review")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    engine = review_app.extensions["safechat"]["engine"]
    diagrams = re.findall(r'<pre class="mermaid" data-flow="(\w+)">stateDiagram-v2\n', html)
    assert sorted(diagrams) == sorted(engine.flows)
    for flow in engine.flows.values():
        for sid in flow.states:
            assert f'id="{flow.id}--{sid}"' in html
    assert html.count('class="provenance"') == sum(
        len(st.say) for f in engine.flows.values() for st in f.states.values()
    )
    assert "<script>" not in html and " style=" not in html
    # Inline styles (for Mermaid's SVG) are allowed on this page only.
    csp = res.headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "script-src 'self' 'wasm-unsafe-eval';" in csp
    assert "unsafe-inline" not in client.get("/help").headers["Content-Security-Policy"]


def test_review_transcripts(review_app: Flask) -> None:
    client = review_app.test_client()
    res = client.get("/review/youth_pressure/transcripts.txt")
    assert res.status_code == 200
    assert res.mimetype == "text/plain"
    assert "Path 1: " in res.get_data(as_text=True)
    assert client.get("/review/nope/transcripts.txt").status_code == 404


# -- in a real browser -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def review_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from live import Server

    server = Server(str(tmp_path_factory.mktemp("review")), extra_env={"SAFECHAT_REVIEW": "1"})
    server.start()
    yield server
    server.stop()


def test_review_page_draws_every_diagram(browser: Any, review_server: Any) -> None:
    from conftest import screenshot

    if not (ROOT / "app" / "static" / "build" / "review.js").exists():
        pytest.fail("app/static/build/review.js is missing: run `make build`")
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(review_server.base + "/review")
        page.wait_for_selector("html[data-diagrams]", timeout=60_000)
        assert page.evaluate("document.documentElement.dataset.diagrams") == "drawn"
        assert page.locator("pre.mermaid svg").count() == len(FLOW_IDS)
        for fid in FLOW_IDS:
            assert page.locator(f'pre.mermaid[data-flow="{fid}"] svg g.node').count() > 0, fid
        screenshot(page, "review")
        assert errors == []
    finally:
        context.close()


def test_check_reports_a_flow_too_tangled_to_review(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.engine import checks, paths

    engine = Engine(ROOT / "flows", ROOT / "content", "t" * 40)
    assert checks.check_reviewable(engine) == []  # the real flows are within the limit
    monkeypatch.setattr(paths.walk, "__defaults__", ("en", 10))
    problems = [str(f) for f in checks.check_reviewable(engine)]
    assert any(p.startswith("flows/parent_talk.yaml: parent_talk: more than 10 paths") for p in problems)


def test_a_not_sure_key_for_no_audience_is_refused(project: Path) -> None:
    """A typo ("not_sure_parent") would otherwise pass the check and never be shown."""
    settings = project / "flows" / "_global.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + "not_sure_parent: [common.not_sure]\n", encoding="utf-8"
    )
    with pytest.raises(FlowError, match="'not_sure_parent' names no audience"):
        engine_for(project)
