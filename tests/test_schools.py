"""The schools flows through the JSON API: the staff first response and the
DSL's initial review (UKCIS "Sharing nudes and semi-nudes", GUIDANCE §3)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Any

import pytest
from flask import Flask
from paths import Path, walk

from app.engine import Engine
from app.engine.checks import forbidden_advice, reading_grade
from app.engine.predicates import PREDICATES
from app.engine.school_predicates import REFERRAL_CRITERIA

Post = Callable[[Any], tuple[int, dict[str, Any]]]

STAFF = "school_staff_first_response"
DSL = "school_dsl_incident"
CRITERIA = ("adult_involved", "coercion", "unusual_acts", "under_13", "immediate_risk")
ROOT = FsPath(__file__).resolve().parent.parent
COMBOS = list(itertools.product((False, True), repeat=5))

# The no-referral path, in the order the questions must be asked.
NO_REFERRAL_PATH = [
    *CRITERIA,
    "why_shared",
    "where_shared",
    "under_pressure",
    "impact",  # the seed's questions
    "viewing",
    "other_settings",
    "parents",
    "ai_generated",
    "sextortion",
    "device",
    "school_response",
]
YES_NO_STATES = (
    *CRITERIA,
    "under_pressure",
    "viewing",
    "other_settings",
    "parents",
    "ai_generated",
    "sextortion",
)
# An answer in the fact-finding questions that reveals coercion, blackmail or a risk of harm.
REVEALING = {
    "why_shared": ("threatened", "why_threatened"),
    "under_pressure": ("yes", "under_pressure"),
    "impact": ("at_risk", "at_risk"),
    "parents": ("yes", "parents_risk"),
    "sextortion": ("yes", "sextortion"),
}


# -- helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The engine alone, for the tests that need no transport."""
    return Engine(ROOT / "flows", ROOT / "content", "s" * 40)


def engine_of(app: Flask) -> Engine:
    return app.extensions["safechat"]["engine"]


def own(turn: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in turn["options"] if not o.get("global")]


def choose(api: Post, turn: dict[str, Any], option: str) -> dict[str, Any]:
    assert option in {o["id"] for o in own(turn)}, (turn["state"], option, own(turn))
    status, nxt = api({"token": turn["token"], "choose": option})
    assert status == 200, nxt
    return nxt


def msg(turn: dict[str, Any], msg_id: str) -> dict[str, Any]:
    found = [m for m in turn["messages"] if m["id"] == msg_id]
    assert found, (turn["state"], [m["id"] for m in turn["messages"]])
    return found[0]


def drive_no_referral(api: Post, overrides: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Start the DSL review and answer "no" (or "noted") everywhere unless told otherwise."""
    overrides = overrides or {}
    status, turn = api({"start": DSL})
    assert status == 200
    turns = [turn]
    while not turn["end"]:
        ids = [o["id"] for o in own(turn)]
        pick = overrides.get(turn["state"]) or ("no" if "no" in ids else "noted")
        turn = choose(api, turn, pick)
        turns.append(turn)
        assert len(turns) < 40
    return turns


@pytest.fixture
def dsl_paths(api: Post) -> list[Path]:
    return walk(api, DSL)


@pytest.fixture
def staff_paths(api: Post) -> list[Path]:
    return walk(api, STAFF)


# -- the referral decision ----------------------------------------------------------


def test_predicate_names_the_five_criteria() -> None:
    assert REFERRAL_CRITERIA == CRITERIA
    assert "any_referral_criterion" in PREDICATES


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: "".join("Y" if x else "n" for x in c))
def test_predicate_all_32_combinations(combo: tuple[bool, ...]) -> None:
    answers = dict(zip(CRITERIA, combo, strict=True))
    assert PREDICATES["any_referral_criterion"](answers) is any(combo)
    # Answers that are not criteria never trigger it.
    noise = {"viewing_needed": True, "other_settings": True, "ai_generated": True}
    assert PREDICATES["any_referral_criterion"]({**answers, **noise}) is any(combo)


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: "".join("Y" if x else "n" for x in c))
def test_referral_decision_all_32_combinations(api: Post, app: Flask, combo: tuple[bool, ...]) -> None:
    status, turn = api({"start": DSL})
    assert status == 200 and turn["state"] == "adult_involved"
    visited = []
    for criterion, answer in zip(CRITERIA, combo, strict=True):
        if turn["state"] == "refer_now":
            break  # an earlier "yes" referred at once; later answers don't matter
        assert turn["state"] == criterion
        visited.append(criterion)
        turn = choose(api, turn, "yes" if answer else "no")
    if any(combo):
        first_yes = combo.index(True)
        assert turn["state"] == "refer_now"
        assert turn["end"] is True and turn["print"] == "record"
        # Every criterion up to the first "yes" was asked, in order, and recorded.
        assert visited == list(CRITERIA[: first_yes + 1])
        answers = engine_of(app).tokens.load(turn["token"]).answers
        assert answers == {c: combo[i] for i, c in enumerate(visited)}
        assert answers[CRITERIA[first_yes]] is True
    else:
        assert visited == list(CRITERIA)
        assert turn["state"] == "why_shared"
        assert engine_of(app).tokens.load(turn["token"]).answers == dict.fromkeys(CRITERIA, False)
        # ... and school_response is reached only on this all-"no" path.
        end = drive_no_referral(api)[-1]
        assert end["state"] == "school_response"


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: "".join("Y" if x else "n" for x in c))
def test_fifth_no_branches_on_the_predicate(engine: Engine, combo: tuple[bool, ...]) -> None:
    """After the fifth "no", the predicate is the single decision point, whatever
    the answers dict holds (e.g. restored from a token)."""
    answers = {**dict(zip(CRITERIA, combo, strict=True)), "immediate_risk": False}
    state = engine.machines[DSL].fire("immediate_risk", "no", answers)
    assert state == ("refer_now" if any(combo[:4]) else "why_shared")


def test_every_dsl_path_ends_in_one_of_the_two_outcomes(dsl_paths: list[Path]) -> None:
    assert len(dsl_paths) > 10
    for p in dsl_paths:
        last = p.turns[-1]
        assert last["flow"] == DSL, p.choices
        assert last["state"] in {"refer_now", "school_response"}, p.states
        assert last["end"] is True and last["print"] == "record"
        criteria_answers = [c for s, c in zip(p.states, p.choices, strict=False) if s in CRITERIA]
        if last["state"] == "school_response":
            assert criteria_answers == ["no"] * 5
            # Every question was asked, in order (optional follow-ups may sit between).
            asked = [s for s in p.states if s in NO_REFERRAL_PATH]
            assert asked == NO_REFERRAL_PATH, p.states
        else:
            # refer_now came straight after a "yes" to a criterion or a revealing answer.
            came_from, answer = p.states[-2], p.choices[-1]
            assert (
                (came_from in CRITERIA and answer == "yes")
                or (came_from in REVEALING and answer == REVEALING[came_from][0])
                or (came_from == "ai_imagery" and answer == "refer")
            ), (came_from, answer)


# -- the no-referral path -------------------------------------------------------------


def test_no_referral_path_asks_each_question_in_order(api: Post, app: Flask) -> None:
    turns = drive_no_referral(api)
    assert [t["state"] for t in turns] == NO_REFERRAL_PATH
    end = turns[-1]
    assert end["state"] == "school_response" and end["end"] is True and end["print"] == "record"
    answers = engine_of(app).tokens.load(end["token"]).answers
    for key in (
        *CRITERIA,
        "under_pressure",
        "viewing_needed",
        "other_settings",
        "parents_risk",
        "ai_generated",
        "sextortion",
    ):
        assert answers[key] is False, key
    text = "\n".join(m["text"] for t in turns for m in t["messages"])
    for phrase in (
        "Why was the image shared?",
        "Where has it been shared, and how widely?",
        "put under pressure or coerced",
        "What has the impact been",
        "Does anyone need to see the image",
        "other schools or settings",
        "Parents and carers should be told, and early",
        "made or changed using AI",
        "threatening to share the image",
        "Searching, screening and confiscation",
        "flight mode",
    ):
        assert phrase in text, phrase


def test_optional_follow_ups_on_the_no_referral_path(api: Post) -> None:
    turns = drive_no_referral(api, {"viewing": "yes", "ai_generated": "yes"})
    states = [t["state"] for t in turns]
    assert states[states.index("viewing") + 1] == "viewing_rules"
    assert states[states.index("ai_generated") + 1] == "ai_imagery"
    assert states[-1] == "school_response"
    rules = msg(turns[states.index("viewing_rules")], "schools.dsl.viewing_rules")["text"]
    for phrase in (
        "no other way",
        "Only the DSL",
        "head teacher",
        "Record who agreed, and why",
        "Never copy, print, share, store or save it",
    ):
        assert phrase in rules, phrase
    ai = msg(turns[states.index("ai_imagery")], "schools.dsl.ai_imagery")["text"]
    for phrase in ("like any other nude", "Don't view it", "don't delete it", "Refer it"):
        assert phrase in ai, phrase


@pytest.mark.parametrize("state", sorted(REVEALING))
def test_revealing_answers_lead_to_referral(api: Post, app: Flask, state: str) -> None:
    option, key = REVEALING[state]
    turns = drive_no_referral(api, {state: option})
    assert turns[-2]["state"] == state
    assert turns[-1]["state"] == "refer_now"
    assert engine_of(app).tokens.load(turns[-1]["token"]).answers[key] is True


def test_ai_imagery_can_lead_to_referral(api: Post) -> None:
    turns = drive_no_referral(api, {"ai_generated": "yes", "ai_imagery": "refer"})
    assert [t["state"] for t in turns][-3:] == ["ai_generated", "ai_imagery", "refer_now"]


# -- what the outcomes say ------------------------------------------------------------


def says(turn: dict[str, Any], *phrases: str) -> str:
    """Assert the turn's words contain every phrase (all missing ones named); its HTML."""
    text = "\n".join(m["text"] for m in turn["messages"])
    missing = [p for p in phrases if p not in text]
    assert not missing, missing
    return "\n".join(m["html"] for m in turn["messages"])


def test_refer_now_says_how_what_to_record_and_what_not_to_do(api: Post) -> None:
    turn = choose(api, api({"start": DSL})[1], "yes")
    assert turn["state"] == "refer_now"
    html = says(
        turn,
        "police and/or children's social care now",
        "MASH",
        "immediate danger",
        "Record",
        "reference number",
        "Don't view the image",
        "Don't delete it",
        "Don't tell parents or carers if that could put the young person at risk",
        "Agree with police or social care",
        "Support the young person",
        "flight mode",
    )
    assert 'href="tel:101"' in html and 'href="tel:999"' in html
    assert msg(turn, "schools.dsl.refer_meanwhile").get("kind") == "checklist"


def test_school_response_covers_the_school_led_steps(api: Post) -> None:
    end = drive_no_referral(api)[-1]
    html = says(
        end,
        "without the police or children's social care",
        "refer at once",
        "Talk with each young person involved",
        "Tell parents or carers early",
        "Report Remove",
        "Take It Down",
        "teaching",
        "Record every decision and the reasons, including why you did not refer",
    )
    assert "https://takeitdown.ncmec.org/" in html
    assert "https://www.childline.org.uk/" in html
    assert msg(end, "schools.dsl.response_steps").get("kind") == "checklist"


def test_outcomes_print_a_record_and_offer_the_staff_flow(api: Post) -> None:
    refer = choose(api, api({"start": DSL})[1], "yes")
    response = drive_no_referral(api)[-1]
    for turn in (refer, response):
        assert turn["print"] == "record" and turn["end"] is True
        assert "0344 381 4772" in "\n".join(m["text"] for m in turn["messages"])
        nxt = choose(api, turn, "staff_steps")
        assert nxt["flow"] == STAFF


# -- options --------------------------------------------------------------------------


def test_yes_no_options_are_exactly_yes_and_no(dsl_paths: list[Path]) -> None:
    seen = set()
    for p in dsl_paths:
        for turn in p.turns:
            opts = own(turn)
            for o in opts:
                if o["id"] == "yes":
                    assert o["label"] == "Yes"
                if o["id"] == "no":
                    assert o["label"] == "No"
            if turn["state"] in YES_NO_STATES:
                seen.add(turn["state"])
                assert [(o["id"], o["label"]) for o in opts] == [("yes", "Yes"), ("no", "No")]
    assert seen == set(YES_NO_STATES)


def test_yes_no_ids_are_strings_in_the_yaml(engine: Engine) -> None:
    flow = engine.flows[DSL]
    for sid in YES_NO_STATES:
        ids = [o.id for o in flow.states[sid].options]
        assert ids == ["yes", "no"] and all(isinstance(i, str) for i in ids), sid


# -- the staff first response ----------------------------------------------------------


def test_staff_flow_is_one_short_path_to_a_summary(staff_paths: list[Path]) -> None:
    assert len(staff_paths) == 1
    p = staff_paths[0]
    assert p.states == ["tell_dsl", "do_not", "support_child", "write_down", "summary"]
    last = p.turns[-1]
    assert last["end"] is True and last["print"] == "summary"
    assert msg(last, "schools.staff.summary").get("kind") == "summary"
    # Report to the DSL comes first, before any other advice.
    first = p.turns[0]["messages"][0]["text"]
    assert "Tell your Designated Safeguarding Lead (DSL) straight away" in first


def test_staff_do_not_list(api: Post) -> None:
    turn = choose(api, api({"start": STAFF})[1], "next")
    assert turn["state"] == "do_not"
    m = msg(turn, "schools.staff.do_not")
    assert m.get("kind") == "checklist"
    items = [line for line in m["text"].splitlines() if line.startswith("- ")]
    assert len(items) >= 6
    text = m["text"]
    assert "Never view, copy, print, share, store or save it" in text
    for word in ("view", "copy", "print", "share", "store", "save"):
        assert re.search(rf"Never [^.]*\b{word}\b", text), word
    assert re.search(r"Don't ask the child to send it[^.]*download it\. That is against the law", text)
    assert "Don't delete it, and don't ask the child to delete it" in text
    assert re.search(r"Don't question the child about the details\. The DSL will do that", text)
    assert "Don't tell other staff or any parents" in text
    assert "Don't blame or shame the child" in text


def test_staff_flow_says_the_essentials(staff_paths: list[Path]) -> None:
    text = staff_paths[0].text
    for phrase in (
        "child sexual abuse",
        "Tell the DSL at once",
        "police as a matter of urgency",
        "they will get support",
        "in their own words",
        "date and time",
        "not about what is in the image",
        "Never add the image to your notes",
        "0344 381 4772",
    ):
        assert phrase in text, phrase


def test_staff_summary_leads_to_the_dsl_review(api: Post, staff_paths: list[Path]) -> None:
    nxt = choose(api, staff_paths[0].turns[-1], "dsl_review")
    assert (nxt["flow"], nxt["state"]) == (DSL, "adult_involved")


def test_check_items_are_marked_in_front_matter() -> None:
    root = ROOT / "content" / "en" / "schools"
    for name in (
        "staff/do_not",
        "staff/support_child",
        "dsl/where_shared",
        "dsl/viewing",
        "dsl/viewing_rules",
        "dsl/other_settings",
        "dsl/parents",
        "dsl/ai_imagery",
    ):
        raw = (root / f"{name}.md").read_text(encoding="utf-8")
        front = raw.split("\n---\n", 1)[0]
        assert "# check: confirm" in front and "UKCIS" in front, name


# -- reading level and forbidden advice -------------------------------------------------


def test_reading_level_of_every_schools_message(engine: Engine) -> None:
    messages = {k: v for k, v in engine.messages.items() if k.startswith("schools.")}
    assert len(messages) > 30
    for mid, m in messages.items():
        grade = reading_grade(m.text)
        assert grade <= 12, (mid, grade)


def test_no_forbidden_advice_on_any_path(dsl_paths: list[Path], staff_paths: list[Path]) -> None:
    for p in [*dsl_paths, *staff_paths]:
        for turn in p.turns:
            for m in turn["messages"]:
                if m["id"] == "schools.dsl.viewing_rules":
                    continue  # the one listed exception (content/advice_exceptions.yaml): its own test
                assert not forbidden_advice(m["text"], "schools"), (
                    m["id"],
                    forbidden_advice(m["text"], "schools"),
                )


def test_viewing_rules_never_advise_copying(api: Post) -> None:
    turns = drive_no_referral(api, {"viewing": "yes"})
    text = msg(next(t for t in turns if t["state"] == "viewing_rules"), "schools.dsl.viewing_rules")["text"]
    assert forbidden_advice(text, "schools") == [
        "look at the image: 'only look at it if there is no other way to decide.'"
    ]


# -- welcome menu -------------------------------------------------------------------------


@pytest.mark.parametrize("flow", [STAFF, DSL])
def test_school_menu_offers_both_flows(api: Post, flow: str) -> None:
    status, turn = api({"start": "welcome"})
    assert status == 200
    turn = choose(api, turn, "school_staff")
    assert turn["state"] == "school_menu"
    ids = [o["id"] for o in own(turn)]
    assert ids.index(flow) < ids.index("school_other")
    nxt = choose(api, turn, flow)
    assert nxt["flow"] == flow
