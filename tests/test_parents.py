"""Parents and carers: the three flows (parent_talk, parent_child_targeted,
parent_understanding), their words, and the family agreement page.

Every path of every parent flow is walked through the JSON API. The points the
guidance requires are asserted on the paths where they must be said; advice
that must never be given is looked for on every path; each message is checked
for reading age (Flesch-Kincaid grade 8 or below).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from paths import Path as FlowPath
from paths import walk

from app.engine.checks import advice_exceptions, forbidden_advice, forbidden_advice_in, reading_grade

ROOT = Path(__file__).resolve().parent.parent
PARENTS = ROOT / "content" / "en" / "parents"
RULES = PARENTS / "agreement_rules.yaml"
FLOWS = ("parent_talk", "parent_child_targeted", "parent_understanding")
MAX_GRADE = 8.0

NSPCC = "0808 800 5000"
CHILDLINE = "0800 1111"
CEOP = "CEOP Safety Centre"


# --- helpers ----------------------------------------------------------------


def fk_grade(text: str) -> float:
    """The project's one reading-level measure (flask flows check uses it too)."""
    return reading_grade(text)


def plain(text: str) -> str:
    """Lower case, straight apostrophes (the Markdown typographer curls them)."""
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


def state_turn(path: FlowPath, state: str) -> dict[str, Any]:
    return next(t for t in path.turns if t["state"] == state)


def own_options(turn: dict[str, Any]) -> dict[str, str]:
    return {o["id"]: o["label"] for o in turn["options"] if not o.get("global")}


def reach(api: Any, flow: str, choices: list[str]) -> dict[str, Any]:
    status, turn = api({"start": flow})
    assert status == 200, turn
    for choice in choices:
        status, turn = api({"token": turn["token"], "choose": choice})
        assert status == 200, (choices, choice, turn)
    return turn


@pytest.fixture(scope="module")
def all_paths(post: Any) -> dict[str, list[FlowPath]]:
    return {flow: walk(post, flow) for flow in FLOWS}


def finished(paths: list[FlowPath]) -> list[FlowPath]:
    """Paths that went all the way to the flow's summary."""
    done = [p for p in paths if p.turns[-1]["state"] == "summary"]
    assert done
    return done


# --- every path, every flow -------------------------------------------------


@pytest.mark.parametrize("flow", FLOWS)
def test_no_forbidden_advice_on_any_path(flow: str, all_paths: dict[str, list[FlowPath]]) -> None:
    for path in all_paths[flow]:
        assert not forbidden_advice(path.text, "parents"), (
            path.choices,
            forbidden_advice(path.text, "parents"),
        )


@pytest.mark.parametrize("flow", FLOWS)
def test_reading_age_per_message(flow: str, all_paths: dict[str, list[FlowPath]]) -> None:
    seen: dict[str, str] = {}
    for path in all_paths[flow]:
        for turn in path.turns:
            for m in turn["messages"]:
                seen[m["id"]] = m["text"]
    assert all(i.startswith("parents.") for i in seen), sorted(seen)
    grades = {i: fk_grade(t) for i, t in seen.items()}
    too_hard = {i: g for i, g in grades.items() if g > MAX_GRADE}
    assert not too_hard, too_hard


def test_every_parent_content_file_is_readable_and_safe(app: Flask) -> None:
    """Also the files no path shows yet, and the agreement rules."""
    messages = app.extensions["safechat"]["engine"].messages
    ids = [i for i in messages if i.startswith("parents.")]
    assert len(ids) == len(list(PARENTS.rglob("*.md")))
    for i in ids:
        text = messages[i].text
        assert fk_grade(text) <= MAX_GRADE, (i, fk_grade(text))
        assert not forbidden_advice(text, "parents"), (i, forbidden_advice(text, "parents"))
        assert str(messages[i].reviewed) in ("2026-11-21", "2026-11-30")  # 30th: the advice review
    allowed = advice_exceptions(ROOT / "content")
    for group in yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]:
        for rule in group["rules"]:
            assert fk_grade(rule["text"]) <= MAX_GRADE, rule
            listed = allowed.get(f"parents.agreement_rules.{rule['id']}", set())
            assert not forbidden_advice_in(rule["text"], "parents", listed), rule


@pytest.mark.parametrize("flow", FLOWS)
def test_flow_ends_with_printable_summary_and_other_parent_flows(
    flow: str, api: Any, all_paths: dict[str, list[FlowPath]]
) -> None:
    for path in finished(all_paths[flow]):
        last = path.turns[-1]
        assert last["end"] is True
        assert last["print"] == "summary"
        assert any(m.get("kind") == "summary" for m in last["messages"])
        assert "anything else" in plain(last["messages"][-1]["text"])
    # "Anything else?" leads to each of the other parent flows.
    last = finished(all_paths[flow])[0]
    choices = last.choices
    targets = set()
    for oid in own_options(last.turns[-1]):
        turn = reach(api, flow, [*choices, oid])
        targets.add(turn["flow"])
    assert targets == set(FLOWS) - {flow}


def test_parent_menu_offers_the_three_flows(api: Any) -> None:
    turn = reach(api, "welcome", ["parent"])
    assert turn["state"] == "parent_menu"
    ids = list(own_options(turn))
    assert ids[-1] == "parent_other"  # "Something else" stays last
    for flow in FLOWS:
        assert flow in ids
        assert reach(api, "welcome", ["parent", flow])["flow"] == flow


# --- parent_talk --------------------------------------------------------------

STEPS = ("Step 1 of 4: Talk", "Step 2 of 4: Agree", "Step 3 of 4: Learn", "Step 4 of 4: Know")
APPS = ("snapchat", "tiktok", "instagram", "whatsapp", "discord", "roblox")


def test_talk_intro_says_why_it_matters(all_paths: dict[str, list[FlowPath]]) -> None:
    text = plain("\n".join(m["text"] for m in all_paths["parent_talk"][0].turns[0]["messages"]))
    for phrase in (
        "talk",
        "agree",
        "learn",
        "know",
        "self-generated",
        "most common kind of child abuse image",  # GUIDANCE §2: the most common form, not most
        "7 to 10",
        "groomed",
        "never the child's fault",
        "stay calm",
        "don't judge",
    ):
        assert phrase in text, phrase


def test_talk_steps_come_in_order_on_every_full_path(all_paths: dict[str, list[FlowPath]]) -> None:
    for path in finished(all_paths["parent_talk"]):
        where = [path.text.find(step) for step in STEPS]
        assert all(w >= 0 for w in where), (path.choices, where)
        assert where == sorted(where), path.choices
        states = path.states
        assert states.index("talk") < states.index("agree") < states.index("learn") < states.index("know")


def test_talk_each_step_has_done_and_starters_for_both_ages(api: Any) -> None:
    order = ["talk", "agree", "learn", "know"]
    choices: list[str] = ["start"]
    for i, step in enumerate(order):
        turn = reach(api, "parent_talk", choices)
        assert turn["state"] == step
        assert turn["messages"][0]["text"].startswith(STEPS[i])
        opts = own_options(turn)
        assert opts["done"].startswith("Done — next")
        ideas = reach(api, "parent_talk", [*choices, "ideas"])
        text = plain("\n".join(m["text"] for m in ideas["messages"]))
        assert "primary age" in text and "secondary age" in text, step
        starters = [line for line in text.splitlines() if line.startswith('- "')]
        assert len(starters) >= 4, (step, starters)  # two or three for each age
        assert own_options(ideas)["done"].startswith("Done — next")
        choices.append("done")


def test_talk_agree_hands_off_to_the_family_agreement(all_paths: dict[str, list[FlowPath]]) -> None:
    for path in finished(all_paths["parent_talk"]):
        agree = state_turn(path, "agree")
        assert agree["handoff"] == {"kind": "family_agreement", "url": "/parents/agreement"}
        text = plain(agree["messages"][0]["text"])
        assert "ground rules" in text and "won't lose your phone as a punishment" in text


def test_talk_learn_has_a_card_for_each_app(api: Any) -> None:
    menu = reach(api, "parent_talk", ["start", "done", "done", "apps"])
    assert menu["state"] == "learn_apps"
    assert set(APPS) <= set(own_options(menu))
    for app in APPS:
        card = reach(api, "parent_talk", ["start", "done", "done", "apps", app])
        assert card["state"] == f"app_{app}"
        text = card["messages"][0]["text"]
        assert card["messages"][0]["id"] == f"parents.apps.{app}"
        assert own_options(menu)[app].lower() in text.lower()
        assert "Settings" in text, app  # where the safety settings are
        assert set(own_options(card)) == {"another", "done"}
    by_app = {
        a: plain(reach(api, "parent_talk", ["start", "done", "done", "apps", a])["messages"][0]["text"])
        for a in APPS
    }
    assert "disappear" in by_app["snapchat"] and "don't know" in by_app["snapchat"]
    assert "direct messages" in by_app["tiktok"]
    assert "dm" in by_app["instagram"]
    assert "report remove can't" in by_app["whatsapp"]
    assert "voice chat" in by_app["discord"] and "voice chat" in by_app["roblox"]


def test_app_cards_are_marked_reviewed_and_say_menus_change() -> None:
    for app in APPS:
        raw = (PARENTS / "apps" / f"{app}.md").read_text(encoding="utf-8")
        front = raw.split("\n---\n", 1)[0]
        assert "source: iwf_talk" in front and "reviewed: 2026-11-21" in front
        assert "menus and feature names change" in front


def test_talk_know_covers_controls_reporting_and_help(all_paths: dict[str, list[FlowPath]]) -> None:
    for path in finished(all_paths["parent_talk"]):
        know = plain(state_turn(path, "know")["messages"][0]["text"])
        for phrase in ("screen time", "family link", "filters", "private"):
            assert phrase in know, phrase
        report = state_turn(path, "know_report")["messages"][0]
        assert "Report" in report["text"] and "report remove" in plain(report["text"])
        assert "themselves" in report["text"]  # done by the young person
        assert 'href="https://www.ceop.police.uk/Safety-Centre/"' in report["html"]
        helping = state_turn(path, "know_help")["messages"][0]
        assert NSPCC in helping["text"] and 'href="tel:08088005000"' in helping["html"]
        assert CHILDLINE in helping["text"] and "999" in helping["text"]
        summary = path.turns[-1]["messages"][0]["text"]
        for word in ("Talk:", "Agree:", "Learn:", "Know:", NSPCC, CHILDLINE, CEOP, "101", "999"):
            assert word in summary, word


def test_talk_intro_links_to_help_now_flow(api: Any) -> None:
    assert reach(api, "parent_talk", ["happening_now"])["flow"] == "parent_child_targeted"


# --- parent_child_targeted -----------------------------------------------------


def test_targeted_paths(all_paths: dict[str, list[FlowPath]]) -> None:
    paths = all_paths["parent_child_targeted"]
    assert {tuple(p.choices[2:3]) for p in paths} == {("yes",), ("no",), ("not_sure",)}
    for path in finished(paths):
        text = plain(path.text)
        first = plain(path.turns[0]["messages"][0]["text"])
        # Never to blame, said first, before any instruction; 999 straight away.
        assert "your child is not to blame" in first and "999" in first
        assert text.find("not to blame") < text.find("never look at")
        assert "stay calm" in first and "don't tell them off" in first
        # The don'ts.
        never = plain(state_turn(path, "never_view")["messages"][0]["text"])
        assert "never look at, copy, forward or ask to see the image" in never
        assert "against the law" in never and "hurts your child" in never
        evidence = plain(state_turn(path, "evidence")["messages"][0]["text"])
        assert "don't delete anything" in evidence
        for kept in ("messages", "usernames", "payment details"):
            assert kept in evidence
        assert "screenshots of the chat and the account details" in evidence
        assert "never screenshot, copy or save the nude image itself" in evidence
        # offenders post the picture into the chat: not that part, write it down instead
        assert "don't screenshot that part" in evidence and "username, the app and the time" in evidence
        assert "but shouldn't delete it" in text
        # Report: CEOP, police 101, 999, the platform.
        report = state_turn(path, "report")["messages"][0]
        assert CEOP in report["text"] and 'href="tel:101"' in report["html"]
        assert "999" in report["text"] and "report the account on the app" in plain(report["text"])
        # Report Remove is done by the young person; hand off; Take It Down.
        rr = state_turn(path, "report_remove")
        # No fingerprint page for a parent: the child uses any tool on their own
        # device, and a parent never asks for the picture (GUIDANCE §1, §4).
        assert rr["handoff"] is None
        assert any("childline.org.uk/info-advice" in m["html"] for m in rr["messages"])
        rr_text = plain("\n".join(m["text"] for m in rr["messages"]))
        assert "your child makes the report themselves, on their own device" in rr_text
        assert (
            "never ask them to send you the picture" in rr_text
            and "never ask them for the picture" in rr_text
        )
        assert "even before it is posted" in rr_text and "from most sites" in rr_text
        assert "for sites outside the uk" not in rr_text and "from any country" in rr_text
        assert "you can sit with them" in rr_text and "optional" in rr_text
        assert "take it down" in rr_text
        assert any('href="https://takeitdown.ncmec.org/"' in m["html"] for m in rr["messages"])
        # School, wellbeing, help.
        assert "designated safeguarding lead (dsl)" in plain(
            state_turn(path, "school")["messages"][0]["text"]
        )
        well = plain("\n".join(m["text"] for m in state_turn(path, "wellbeing")["messages"]))
        assert "signs" in well and "childline" in well and CHILDLINE in well and NSPCC in well
        summary = path.turns[-1]["messages"][0]["text"]
        for word in (
            "Don't pay",
            "Never look at",
            "Don't delete",
            "CEOP",
            "101",
            "999",
            "Report Remove",
            "DSL",
            NSPCC,
            CHILDLINE,
        ):
            assert word in summary, word


def test_targeted_dont_pay_on_the_blackmail_paths(all_paths: dict[str, list[FlowPath]]) -> None:
    for path in finished(all_paths["parent_child_targeted"]):
        if path.choices[2] in ("yes", "not_sure"):
            text = plain(state_turn(path, "dont_pay")["messages"][0]["text"])
            assert "don't pay" in text and "don't pay anything more" in text
            assert "don't panic" in text and "don't send any more pictures" in text
        else:
            assert "dont_pay" not in path.states
        assert "don't pay" in plain(path.turns[-1]["messages"][0]["text"])  # in the summary either way


# --- parent_understanding ------------------------------------------------------


def test_understanding_path(all_paths: dict[str, list[FlowPath]], api: Any) -> None:
    (path,) = finished(all_paths["parent_understanding"])
    assert path.states == ["self_generated", "grooming", "sextortion", "law", "what_helps", "summary"]
    text = plain(path.text)
    for phrase in (
        '"self-generated" images',
        "takes of themselves",
        "most common kind",
        "7 to 10",
        "never the child's fault",
        "grooming",
        "pretend to be the same age",
        "sextortion",
        "blackmail",
        "fakes made with ai",
        "national crime agency",
        "2024",
        "boys aged 14 to 18",
        "organised gangs based overseas",
        "under an hour",
        "against the law",
        "victim",
        "stay calm",
        "don't take their phone away",
        "never pay",
    ):
        assert phrase in text, phrase
    assert reach(api, "parent_understanding", ["happening_now"])["flow"] == "parent_child_targeted"


def test_phrases_for_routing() -> None:
    for flow in FLOWS:
        phrases = yaml.safe_load((ROOT / "flows" / f"{flow}.yaml").read_text(encoding="utf-8"))["phrases"]
        assert 12 <= len(phrases) <= 30, flow  # enough to route by, few enough to stay balanced
        assert len(set(phrases)) == len(phrases)


# --- the family agreement page, without JavaScript ---------------------------


def rule_texts() -> dict[str, str]:
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return {r["id"]: r["text"] for g in data["groups"] for r in g["rules"]}


def agreement_part(html: str) -> str:
    return html[html.index('id="agreement"') :]


def test_rules_file_is_grouped_and_cited() -> None:
    raw = RULES.read_text(encoding="utf-8")
    for key in ("iwf_talk", "seed_pier_research", "nca_alert_2024"):
        assert key in raw.split("groups:")[0]
    titles = [g["title"] for g in yaml.safe_load(raw)["groups"]]
    assert titles == ["Devices and places", "Sharing pictures", "People online", "If something goes wrong"]
    assert (
        rule_texts()["tell_us"]
        == "If something worries you online, you can tell us. You won't lose your phone as a punishment."
    )


def test_agreement_page_lists_every_rule_as_a_checkbox(client: FlaskClient) -> None:
    res = client.get("/parents/agreement")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert res.headers["Cache-Control"] == "no-store"
    assert 'method="get"' in html and 'method="post"' not in html
    for rid, text in rule_texts().items():
        assert f'name="rule" value="{rid}"' in html
        assert f">{text}</label>" in html  # gettext output: trusted words from the YAML
    assert html.count('name="own"') == 3
    assert re.search(r"build/agreement\.[0-9a-f]+\.js", html) and "css/agreement.css" in html
    part = agreement_part(html)
    assert "<li>" not in part  # nothing chosen yet
    assert "Signed" in part and "Date" in part


def test_agreement_get_shows_only_the_chosen_rules(client: FlaskClient) -> None:
    texts = rule_texts()
    res = client.get(
        "/parents/agreement",
        query_string=[
            ("made", "1"),
            ("rule", "tell_us"),
            ("rule", "no_nudes"),
            ("rule", "not_a_rule"),
            ("own", "No phones at the dinner table"),
            ("own", ""),
            ("own", "<script>x</script>"),
        ],
    )
    part = agreement_part(res.get_data(as_text=True))
    items = re.findall(r"<li>(.*?)</li>", part)
    assert items == [
        texts["no_nudes"],
        texts["tell_us"],
        "No phones at the dinner table",
        "&lt;script&gt;x&lt;/script&gt;",
    ]
    assert "Our own rules" in part and "Sharing pictures" in part and "Devices and places" not in part
    html = res.get_data(as_text=True)
    assert 'value="tell_us" checked' in html and 'value="bedtime" checked' not in html
    assert 'value="No phones at the dinner table"' in html  # kept in the form to change


def test_agreement_get_with_nothing_chosen_says_so(client: FlaskClient) -> None:
    part = agreement_part(client.get("/parents/agreement?made=1").get_data(as_text=True))
    assert "<li>" not in part and "You haven't chosen any rules yet" in part


def test_agreement_own_rules_are_limited(client: FlaskClient) -> None:
    res = client.get("/parents/agreement", query_string=[("made", "1")] + [("own", "x" * 500)] * 5)
    items = re.findall(r"<li>(.*?)</li>", agreement_part(res.get_data(as_text=True)))
    assert items == ["x" * 200] * 3


def test_agreement_refuses_post(client: FlaskClient) -> None:
    assert client.post("/parents/agreement", data={"rule": "tell_us"}).status_code == 405


# --- the family agreement page in a real browser -----------------------------

# Chromium and Playwright come from conftest's session-wide `browser` fixture
# (one Playwright per test session; it skips, saying why, without Chromium).
ARTIFACTS = ROOT / "test-artifacts"


def squash(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


EDITED = "Our accounts are private, and we only add people we have met."
OWN = "No phones at the dinner table."
CHOSEN = ("tell_us", "no_nudes", "never_pay")


def use_the_page(page: Any, texts: dict[str, str]) -> None:
    """Tick, untick, edit and type as a parent would, then press print."""
    assert page.is_hidden("#make-agreement") and page.is_visible("#print-agreement")
    assert page.locator("#rules-form [name]").count() == 0  # nothing could be submitted
    for rid in CHOSEN:
        page.check(f"#rule-{rid}")
    page.check("#rule-private_accounts")
    page.fill("#edit-private_accounts", EDITED)
    page.check("#rule-bedtime")
    page.uncheck("#rule-bedtime")  # changed their mind
    assert page.is_hidden("#edit-bedtime")
    page.fill("#own-1", OWN)
    page.press("#own-1", "Enter")  # must not submit the form
    page.fill("#family-names", "Sam and Alex")

    live = squash(page.inner_text("#agreement"))
    assert EDITED in live and OWN in live and "Made by: Sam and Alex" in live
    assert texts["bedtime"] not in live and texts["private_accounts"] not in live
    # Playwright calls a function the expression returns, hence the "; 0".
    page.evaluate("window.__printed = 0; window.print = () => { window.__printed += 1; }; 0")
    page.click("#print-agreement")
    assert page.evaluate("window.__printed") == 1


def pdf_outputs(pdf: Path) -> dict[str, str]:
    """The PDF's words (pdftotext, from Debian's poppler-utils), and a PNG of
    it to look at (pdftoppm). Empty if poppler-utils is not installed."""
    if not shutil.which("pdftotext"):
        assert pdf.read_bytes().startswith(b"%PDF"), "no PDF was made"
        return {}
    run = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    if shutil.which("pdftoppm"):
        png = str(ARTIFACTS / "agreement-print")
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-singlefile", str(pdf), png], check=True)
    return {"pdf": squash(run.stdout)}


def assert_only_the_agreement(name: str, text: str, texts: dict[str, str]) -> None:
    for rid in CHOSEN:
        assert texts[rid] in text, (name, rid)
    assert EDITED in text and OWN in text and "Made by: Sam and Alex" in text, name
    assert "Our family agreement" in text and "Signed" in text and "Date" in text, name
    unchosen = set(texts) - {*CHOSEN, "private_accounts"}
    assert not [r for r in unchosen if texts[r] in text], name
    assert texts["private_accounts"] not in text, name  # the edited words replaced it
    for screen_only in (
        "Make a family agreement",
        "Exit this page",
        "Print or save as PDF",
        "Our own rule 1",
    ):
        assert screen_only not in text, (name, screen_only)


def test_agreement_in_the_browser_prints_only_the_chosen_rules(
    browser: Any, live_server: Any, tmp_path: Path
) -> None:
    texts = rule_texts()
    pdf = tmp_path / "agreement.pdf"
    context = browser.new_context(viewport={"width": 420, "height": 900})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(live_server.base + "/parents/agreement")
        page.wait_for_load_state("networkidle")
        sent: list[str] = []
        page.on("request", lambda req: sent.append(req.url))

        use_the_page(page, texts)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "agreement.png"), full_page=True)

        page.emulate_media(media="print")
        printed = squash(page.inner_text("body"))  # innerText leaves out what print hides
        page.pdf(path=str(pdf), format="A4", print_background=True)
        assert page.url == live_server.base + "/parents/agreement"  # never submitted
        assert sent == [], sent  # ticking, typing and printing sent nothing
        assert errors == [], errors
    finally:
        context.close()

    for name, text in {"print view": printed, **pdf_outputs(pdf)}.items():
        assert_only_the_agreement(name, text, texts)


def test_no_label_puts_words_in_a_parents_mouth() -> None:
    """Labels say what comes next, not "OK" for the person (issue 16 D)."""
    from app.engine import Engine

    flows = Engine(ROOT / "flows", ROOT / "content", "p" * 40).flows
    labels = {
        o.label
        for f in flows.values()
        if f.audience == "parents"
        for s in f.states.values()
        for o in s.options
    }
    assert not {label for label in labels if label.startswith(("OK.", "Done.", "Got it."))}, labels
