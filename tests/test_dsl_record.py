"""The DSL's record of an initial review (issue 17 §1), as the server rebuilds
it from the conversation token for printing without JavaScript: every
question on the way to the decision with its answer, the decision and its
reason, the labelled fields to write in, the advice as an appendix. The
browser's fuller record is tested in test_browser_dsl_record.py."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from conftest import engine_of
from flask import Flask
from paths import Path, walk
from test_schools import NO_REFERRAL_PATH, drive_no_referral

from app.engine import Engine
from app.engine.tokens import HISTORY_LIMIT
from app.engine.trail import trail
from app.schools import record

DSL = "school_dsl_incident"
STAFF = "school_staff_first_response"
FIELDS = (
    "Date of incident",
    "Completed by (name and role)",
    "Pupil identifier (the school's own)",
    "Decision",
    "Reason",
    "Referred to (police, children's social care or children's services, with reference numbers)",
    "Parents or carers told (when, or why not)",
    "Actions (who, by when)",
    "Review date",
)
# States that ask nothing (they inform), so they have no line in the record.
INFORMING = {"wales_route", "viewing_rules"}


def record_for(engine: Engine, token: str) -> record.Record | None:
    """The record as the page builds it, from what it read its token as."""
    return record.build(engine, engine.tokens.load(token))


def choose_all(api: Any, choices: list[str], locale: str = "en") -> dict[str, Any]:
    status, turn = api({"start": DSL, "locale": locale})
    assert status == 200
    for c in choices:
        status, turn = api({"token": turn["token"], "choose": c})
        assert status == 200, (c, turn)
    return turn


@pytest.fixture(scope="module")
def dsl_paths(post: Any) -> list[Path]:
    return walk(post, DSL)


def test_every_outcome_has_a_record_of_the_path_taken(app: Flask, dsl_paths: list[Path]) -> None:
    """For every path through the review, the record lists exactly the
    questions asked on it, in order, with the option chosen; a referral's
    reason is the answer that led to it."""
    engine = engine_of(app)
    outcomes = 0
    for p in dsl_paths:
        last = p.turns[-1]
        rec = record_for(engine, last["token"])
        if last.get("print") != "record":
            assert rec is None, p.states  # Scotland, Northern Ireland: signposts, no record
            continue
        outcomes += 1
        assert rec is not None
        asked = [(s, c) for s, c in zip(p.states, p.choices, strict=False) if s not in INFORMING]
        assert [e.state for e in rec.entries] == [s for s, _ in asked], p.states
        for entry, (state, choice) in zip(rec.entries, asked, strict=True):
            turn = p.turns[p.states.index(state)]
            label = next(o["label"] for o in turn["options"] if o["id"] == choice)
            assert entry.note == (choice == "noted"), (state, choice)
            assert entry.answer == (None if choice == "noted" else label), (state, choice)
            assert entry.question in "\n".join(m["text"] for m in turn["messages"])
        assert rec.nation == {"england": "England", "wales": "Wales"}[p.choices[0]]
        if last["state"].startswith("refer_now"):
            assert rec.refer and rec.reason == rec.entries[-1] and rec.reason.state == p.states[-2]
        else:
            assert not rec.refer and rec.reason is None
        assert rec.advice and not any(m["id"].endswith("anything_else") for m in rec.advice)
    assert outcomes > 100


def test_the_page_trail_and_the_record_tell_the_same_answers(app: Flask, dsl_paths: list[Path]) -> None:
    """The conversation so far on the page (trail) and the printed record
    name the same option for every step, on every path: both ask the one
    rule (app/engine/trail.py). Yes and No that go on to the same question
    (how many have it, consent, vulnerability...) are told apart by the answers."""
    engine = engine_of(app)
    compared = 0
    for p in dsl_paths:
        last = p.turns[-1]
        rec = record_for(engine, last["token"])
        if rec is None:
            continue
        c = engine.tokens.load(last["token"])
        shown = trail(engine, c)
        assert len(shown) == len(c.history)
        said = {state: step["chose"] for (_, state), step in zip(c.history, shown, strict=True)}
        for e in rec.entries:
            if e.state in said and not e.note:
                assert said[e.state] == e.answer, (p.choices, e.state)
                compared += 1
        # and both say what the person pressed
        for state, choice in zip(p.states, p.choices, strict=False):
            if state in said:
                turn = p.turns[p.states.index(state)]
                assert said[state] == next(o["label"] for o in turn["options"] if o["id"] == choice)
    assert compared > 1000


def test_a_review_longer_than_the_token_history_is_recorded_whole(app: Flask, api: Any) -> None:
    """The token keeps the last 20 steps; the start is replayed from the answers."""
    end = drive_no_referral(api)[-1]
    assert end["state"] == "school_response"
    c = engine_of(app).tokens.load(end["token"])
    assert len(c.history) == HISTORY_LIMIT and c.history[0][1] != "nation"
    rec = record_for(engine_of(app), end["token"])
    assert rec is not None
    # every question asked on the way, which is the whole path but its outcome
    assert [e.state for e in rec.entries] == NO_REFERRAL_PATH[:-1]
    assert [e.question for e in rec.entries][:2] == [
        "Which nation is your school in?",
        "1. Does the incident involve an adult?",
    ]
    notes = {e.state for e in rec.entries if e.note}
    assert notes == {"why_shared", "where_shared", "ages", "impact", "device"}


def test_a_changed_answer_is_recorded_as_finally_given(app: Flask, api: Any) -> None:
    """Yes to coercion refers; Back and No carries on: the record holds the
    answer as it stands (the browser's record also shows the change, with its time)."""
    end = choose_all(api, ["england", "no", "yes", "back", "no", "no", "no", "yes"])
    assert end["state"] == "refer_now"
    rec = record_for(engine_of(app), end["token"])
    assert rec is not None
    assert [(e.state, e.answer) for e in rec.entries] == [
        ("nation", "England"),
        ("adult_involved", "No"),
        ("coercion", "No"),
        ("unusual_acts", "No"),
        ("under_13", "No"),
        ("immediate_risk", "Yes"),
    ]
    assert rec.reason is not None and rec.reason.state == "immediate_risk"


def test_no_record_away_from_the_outcomes_or_for_a_bad_token(app: Flask, api: Any) -> None:
    engine = engine_of(app)
    assert record_for(engine, choose_all(api, ["england"])["token"]) is None
    page = app.test_client().get("/chat?t=not-a-token")
    assert page.status_code == 200 and 'class="dsl-record filled"' not in page.get_data(as_text=True)
    _, staff = api({"start": STAFF})
    assert record_for(engine, staff["token"]) is None


def test_british_time_with_its_zone() -> None:
    winter = dt.datetime(2026, 11, 30, 10, 42, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 6, 30, 9, 5, tzinfo=dt.UTC)
    assert record.british_time(winter, "en") == "30 November 2026, 10:42 GMT"
    assert record.british_time(summer, "en") == "30 June 2026, 10:05 BST"
    assert record.british_time(winter, "cy") == "30 Tachwedd 2026, 10:42 GMT"


def page_for(app: Flask, token: str, locale: str = "en") -> str:
    # A plain form answers 303 to GET /chat?t=… (no resubmission page in history)
    res = app.test_client().post("/chat", data={"token": token, "locale": locale}, follow_redirects=True)
    assert res.status_code == 200
    return res.get_data(as_text=True)


def record_html(html: str) -> str:
    """The record section, with entities decoded (apostrophes come either way)."""
    start = html.index('<section id="dsl-record"')
    return unescape(html[start : html.index('<template id="dsl-record-layout">')])


@pytest.mark.parametrize("nation", ["england", "wales"])
def test_the_page_without_javascript_holds_the_record(app: Flask, api: Any, nation: str) -> None:
    choices = [nation, *(["next"] if nation == "wales" else []), "no", "yes"]
    html = page_for(app, choose_all(api, choices)["token"])
    rec = record_html(html)
    assert 'class="dsl-record filled"' in rec
    for label in FIELDS:
        assert f">{label}</th>" in rec, label
    decision = {
        "england": "Refer to the police and/or children's social care.",
        "wales": "Refer to the police and/or the local authority's children's services.",
    }[nation]
    assert f'<td data-slot="decision">{decision}</td>' in rec
    assert re.search(
        r'data-slot="reason">2\. Is there reason to believe a young person was coerced[^<]*Answer: Yes<', rec
    )
    assert '1. Does the incident involve an adult?</span> <span class="a">No</span>' in rec
    assert re.search(r"Made \d{1,2} [A-Z][a-z]+ 20\d\d, \d\d:\d\d (GMT|BST)\.", rec)
    assert "Appendix: the advice the chat gave" in rec and "While you wait" in rec
    # the record's own fields are for the browser only: no names, so nothing to submit
    fields = html[html.index('<div id="record-fields"') :]
    fields = fields[: fields.index("</div>")]
    assert " hidden>" in fields.split("\n")[0] and "name=" not in fields and "<form" not in fields


def test_the_no_referral_record_says_why_none(app: Flask, api: Any) -> None:
    rec = record_html(page_for(app, drive_no_referral(api)[-1]["token"]))
    assert "No referral for now: the school responds." in rec
    assert "None of the five reasons for an immediate referral applies (all five answered No)" in rec
    # a "note the answer" question prints as a line to write on
    assert '<span class="q">Why was the image shared?</span> <span class="a note"></span>' in rec


def test_the_record_in_welsh(app: Flask, api: Any) -> None:
    token = choose_all(api, ["wales", "next", "no", "yes"], locale="cy")["token"]
    rec = record_html(page_for(app, token, "cy"))
    for words in (
        "Cofnod o'r adolygiad cychwynnol",
        "Dyddiad y digwyddiad",
        "Penderfyniad",
        "Rheswm",
        "Atgyfeirio at yr heddlu a/neu wasanaethau plant yr awdurdod lleol.",
        "Cymru",
        "Tachwedd",
    ):
        assert words in rec, words
    assert "DSL" not in rec


def test_other_pages_have_no_record(app: Flask, api: Any) -> None:
    html = page_for(app, choose_all(api, ["england", "no"])["token"])
    assert 'class="dsl-record"' in html and 'class="dsl-record filled"' not in html
    assert (
        '<ol class="record-answers" data-slot="answers">\n</ol>'
        in html.split('<template id="dsl-record-layout">')[1]
    )
