"""The schools flows through the JSON API: the staff first response and the
DSL's initial review (UKCIS "Sharing nudes and semi-nudes", GUIDANCE §3), for
a school in each nation: England (UKCIS), Wales (the Welsh Government's
version: DSP, children's services), Scotland and Northern Ireland (signposted)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Any

import pytest
from conftest import engine_of
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

# The nations that go through the five criteria, with their outcome states,
# and the ones signposted to their own guidance instead.
REVIEWED = {
    "england": ("refer_now", "school_response"),
    "wales": ("refer_now_wales", "school_response_wales"),
}
SIGNPOSTED = ("scotland", "northern_ireland")
REFER_STATES = {r for r, _ in REVIEWED.values()}
RESPONSE_STATES = {r for _, r in REVIEWED.values()}

# The no-referral path, in the order the questions must be asked (England).
NO_REFERRAL_PATH = [
    "nation",
    *CRITERIA,
    "why_shared",
    "where_shared",
    "how_many",
    "under_pressure",
    "consent",
    "ages",
    "vulnerability",
    "impact",  # the seed's questions and the further risk questions
    "viewing",
    "other_settings",
    "parents",
    "ai_generated",
    "sextortion",
    "device",
    "images",
    "school_response",
]
# Wales: its route first, its own device advice and outcome.
NO_REFERRAL_PATH_WALES = [
    "nation",
    "wales_route",
    *[
        {"device": "device_wales", "school_response": "school_response_wales"}.get(s, s)
        for s in NO_REFERRAL_PATH[1:]
    ],
]
YES_NO_STATES = (
    *CRITERIA,
    "how_many",
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
# The further risk questions (marked *check*): the DSL may judge that they need a referral.
RISK_REFERRALS = ("consent", "ages", "vulnerability")


# -- helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The engine alone, for the tests that need no transport."""
    return Engine(ROOT / "flows", ROOT / "content", "s" * 40)


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


def start_dsl(api: Post, nation: str = "england", locale: str = "en") -> list[dict[str, Any]]:
    """Start the DSL review and say which nation: the turns up to the first criterion."""
    status, turn = api({"start": DSL, "locale": locale})
    assert status == 200 and turn["state"] == "nation"
    turns = [turn, choose(api, turn, nation)]
    if turns[-1]["state"] == "wales_route":
        turns.append(choose(api, turns[-1], "next"))
    assert turns[-1]["state"] == "adult_involved"
    return turns


def drive_no_referral(
    api: Post, overrides: dict[str, str] | None = None, nation: str = "england"
) -> list[dict[str, Any]]:
    """Start the DSL review and answer "no" (or "noted", "not yet") everywhere unless told otherwise."""
    overrides = overrides or {}
    turns = start_dsl(api, nation)
    turn = turns[-1]
    while not turn["end"]:
        ids = [o["id"] for o in own(turn)]
        pick = overrides.get(turn["state"]) or next(i for i in ("no", "noted", "not_yet") if i in ids)
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


@pytest.mark.parametrize("nation", sorted(REVIEWED))
@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: "".join("Y" if x else "n" for x in c))
def test_referral_decision_all_32_combinations(
    api: Post, app: Flask, combo: tuple[bool, ...], nation: str
) -> None:
    """The same decision for every combination, in England and in Wales; only
    the outcome's words (its state) differ by nation."""
    refer, respond = REVIEWED[nation]
    turn = start_dsl(api, nation)[-1]
    visited = []
    for criterion, answer in zip(CRITERIA, combo, strict=True):
        if turn["state"] == refer:
            break  # an earlier "yes" referred at once; later answers don't matter
        assert turn["state"] == criterion
        visited.append(criterion)
        turn = choose(api, turn, "yes" if answer else "no")
    if any(combo):
        first_yes = combo.index(True)
        assert turn["state"] == refer
        assert turn["end"] is True and turn["print"] == "record"
        # Every criterion up to the first "yes" was asked, in order, and recorded.
        assert visited == list(CRITERIA[: first_yes + 1])
        answers = engine_of(app).tokens.load(turn["token"]).answers
        assert answers == {"nation": nation, **{c: combo[i] for i, c in enumerate(visited)}}
        assert answers[CRITERIA[first_yes]] is True
    else:
        assert visited == list(CRITERIA)
        assert turn["state"] == "why_shared"
        answers = engine_of(app).tokens.load(turn["token"]).answers
        assert answers == {"nation": nation, **dict.fromkeys(CRITERIA, False)}
        # ... and the school-led response is reached only on this all-"no" path.
        end = drive_no_referral(api, nation=nation)[-1]
        assert end["state"] == respond


@pytest.mark.parametrize("nation", sorted(REVIEWED))
@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: "".join("Y" if x else "n" for x in c))
def test_fifth_no_branches_on_the_predicate(engine: Engine, combo: tuple[bool, ...], nation: str) -> None:
    """After the fifth "no", the predicate is the single decision point, whatever
    the answers dict holds (e.g. restored from a token)."""
    answers = {**dict(zip(CRITERIA, combo, strict=True)), "immediate_risk": False, "nation": nation}
    state = engine.machines[DSL].fire("immediate_risk", "no", answers)
    assert state == (REVIEWED[nation][0] if any(combo[:4]) else "why_shared")


@pytest.mark.parametrize("nation", SIGNPOSTED)
def test_scotland_and_northern_ireland_are_signposted_not_taken_through_england(
    api: Post, nation: str
) -> None:
    for flow in (DSL, STAFF):
        turn = choose(api, api({"start": flow})[1], nation)
        assert turn["state"] == nation and turn["end"] is True
        assert not own(turn)  # no criteria, no England procedure: only Help now, Back, Start again
        text = "\n".join(m["text"] for m in turn["messages"])
        guidance = {
            "scotland": "National Guidance for Child Protection in Scotland",
            "northern_ireland": "Co-operating to Safeguard Children and Young People in Northern Ireland",
        }
        for phrase in (
            guidance[nation],
            "does not apply",
            "0808 800 5000",
            "Monday to Friday 8am to 10pm",
            "999",
        ):
            assert phrase in text, phrase
        assert "MASH" not in text and "Searching, screening" not in text and "DSL" not in text


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_no_nation_is_assumed_in_either_language(api: Post, locale: str) -> None:
    """The Welsh interface must not serve England's procedure by default: both
    flows ask first, whatever the language."""
    for flow in (DSL, STAFF):
        status, turn = api({"start": flow, "locale": locale})
        assert status == 200 and turn["state"] == "nation"
        assert [o["id"] for o in own(turn)] == ["england", "wales", "scotland", "northern_ireland"]
        assert [m["id"] for m in turn["messages"]] == ["schools.nations.ask"]


def test_wales_route_is_the_welsh_governments(api: Post) -> None:
    turns = start_dsl(api, "wales")
    route = msg(turns[1], "schools.nations.wales_route")["text"]
    for phrase in (
        "designated safeguarding person (DSP)",
        "Keeping learners safe",
        "Hwb",
        "children's services",
        "is for England only",
    ):
        assert phrase in route, phrase
    refer = choose(api, turns[-1], "yes")
    assert refer["state"] == "refer_now_wales"
    text = "\n".join(m["text"] for m in refer["messages"])
    assert "local authority's children's services" in text and "MASH" not in text
    end = drive_no_referral(api, nation="wales")
    text = "\n".join(m["text"] for t in end for m in t["messages"])
    assert "does not apply in Wales" in text and "Should follow the DfE" not in text
    assert "Keeping learners safe" in msg(end[-1], "schools.dsl.wales_school_response")["text"]


def test_welsh_school_strings_say_dsp_never_dsl() -> None:
    """Issue 16 E: in Welsh schools the lead is the "person diogelu dynodedig (DSP)"."""
    from babel.messages.pofile import read_po

    with (ROOT / "locales" / "cy" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)

    def for_schools(m: Any) -> bool:
        where = [loc for loc, _ in m.locations]
        return any(w.startswith(("content/en/schools/", "flows/school_")) for w in where) or (
            "DSL" in m.id and any(w.startswith("flows/welcome") for w in where)  # the school menu's button
        )

    school = [m for m in catalog if m.id and for_schools(m)]
    assert len(school) > 40
    for m in school:
        assert "DSL" not in m.string and "Swyddog Diogelu Dynodedig" not in m.string, (m.id, m.string)
    assert any("person diogelu dynodedig (DSP)" in m.string for m in school)


def test_every_dsl_path_ends_in_one_of_the_outcomes(dsl_paths: list[Path]) -> None:
    assert len(dsl_paths) > 10
    for p in dsl_paths:
        last = p.turns[-1]
        assert last["flow"] == DSL, p.choices
        nation = p.choices[0]
        if nation in SIGNPOSTED:
            assert p.states == ["nation", nation] and last["end"] is True and not last["print"]
            continue
        assert last["state"] in REVIEWED[nation], p.states
        assert last["end"] is True and last["print"] == "record"
        criteria_answers = [c for s, c in zip(p.states, p.choices, strict=False) if s in CRITERIA]
        if last["state"] in RESPONSE_STATES:
            assert criteria_answers == ["no"] * 5
            # Every question was asked, in order (optional follow-ups may sit between).
            expected = NO_REFERRAL_PATH_WALES if nation == "wales" else NO_REFERRAL_PATH
            asked = [s for s in p.states if s in expected]
            assert asked == expected, p.states
        else:
            # refer_now came straight after a "yes" to a criterion or a revealing answer.
            came_from, answer = p.states[-2], p.choices[-1]
            assert (
                (came_from in CRITERIA and answer == "yes")
                or (came_from in REVEALING and answer == REVEALING[came_from][0])
                or (came_from in (*RISK_REFERRALS, "ai_imagery") and answer == "refer")
            ), (came_from, answer)


# -- the no-referral path -------------------------------------------------------------


def test_no_referral_path_asks_each_question_in_order(api: Post, app: Flask) -> None:
    assert [t["state"] for t in drive_no_referral(api, nation="wales")] == NO_REFERRAL_PATH_WALES
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
        "more_than_one",
        "without_consent",
        "vulnerable",
        "deletion_confirmed",
        "why_threatened",
        "at_risk",
    ):
        assert answers[key] is False, key
    assert answers["nation"] == "england" and "risk_referral" not in answers
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
        # the further risk questions (GUIDANCE §3, marked *check*)
        "more than one person",
        "without the consent",
        "to hurt, humiliate or embarrass",
        "age gap",
        "vulnerable",
        "incident like this before",
        # the images themselves, on the school-led path
        "asked to delete it",
        "confirm it is done",
        "Record who confirmed it, and when",
        "don't delete it yourself",
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
        "Only you, as the safeguarding lead",
        "head teacher",
        "Record who agreed, and why",
        "another member of staff",
        "same sex",
        "school premises",
        "never where it would upset the young person",
        "Never copy, print, share, store or save it",
    ):
        assert phrase in rules, phrase
    ai = msg(turns[states.index("ai_imagery")], "schools.dsl.ai_imagery")["text"]
    for phrase in ("like any other nude", "Don't view it", "don't delete it", "Refer it"):
        assert phrase in ai, phrase


@pytest.mark.parametrize("nation", sorted(REVIEWED))
@pytest.mark.parametrize("state", sorted(REVEALING))
def test_revealing_answers_lead_to_referral(api: Post, app: Flask, state: str, nation: str) -> None:
    option, key = REVEALING[state]
    turns = drive_no_referral(api, {state: option}, nation=nation)
    assert turns[-2]["state"] == state
    assert turns[-1]["state"] == REVIEWED[nation][0]
    assert engine_of(app).tokens.load(turns[-1]["token"]).answers[key] is True


@pytest.mark.parametrize("state", RISK_REFERRALS)
def test_risk_questions_can_lead_to_referral(api: Post, app: Flask, state: str) -> None:
    turns = drive_no_referral(api, {state: "refer"})
    assert [t["state"] for t in turns][-2:] == [state, "refer_now"]
    assert engine_of(app).tokens.load(turns[-1]["token"]).answers["risk_referral"] == state


def test_risk_answers_never_change_the_five_criteria_decision(api: Post) -> None:
    """Yes to the new risk questions is recorded but refers only if the DSL says so."""
    turns = drive_no_referral(
        api, {"how_many": "yes", "consent": "yes", "vulnerability": "yes", "images": "confirmed"}
    )
    assert turns[-1]["state"] == "school_response"


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
    turn = choose(api, start_dsl(api)[-1], "yes")
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
    refer = choose(api, start_dsl(api)[-1], "yes")
    response = drive_no_referral(api)[-1]
    refer_wales = choose(api, start_dsl(api, "wales")[-1], "yes")
    response_wales = drive_no_referral(api, nation="wales")[-1]
    for turn in (refer, response, refer_wales, response_wales):
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


def test_staff_flow_is_short_paths_to_a_summary(staff_paths: list[Path]) -> None:
    """One tap for the nation, then tell the lead; staff who have seen the image
    get one more step. Scotland and Northern Ireland are signposted."""
    by_choices = {tuple(p.choices): p for p in staff_paths}
    assert sorted(by_choices) == sorted(
        [
            ("england", "next", "next", "next", "next"),
            ("england", "seen", "next", "next", "next", "next"),
            ("wales", "next", "next", "next", "next"),
            ("wales", "seen", "next", "next", "next", "next"),
            ("scotland",),
            ("northern_ireland",),
        ]
    )
    for nation, tell, lead in (
        ("england", "tell_dsl", "Tell your Designated Safeguarding Lead (DSL) straight away"),
        ("wales", "tell_dsp", "Tell your designated safeguarding person (DSP) straight away"),
    ):
        p = by_choices[(nation, "next", "next", "next", "next")]
        assert p.states == ["nation", tell, "do_not", "support_child", "write_down", "summary"]
        last = p.turns[-1]
        assert last["end"] is True and last["print"] == "summary"
        assert msg(last, "schools.staff.summary").get("kind") == "summary"
        # Report to the lead comes first, before any other advice.
        assert lead in p.turns[1]["messages"][0]["text"]
        seen = by_choices[(nation, "seen", "next", "next", "next", "next")]
        assert seen.states == [
            "nation",
            tell,
            "already_seen",
            "do_not",
            "support_child",
            "write_down",
            "summary",
        ]


def test_staff_who_have_seen_the_image(api: Post) -> None:
    """ "A pupil showed me a nude on their phone": tell the lead, get support,
    copy nothing, take it no further yourself."""
    turn = choose(api, choose(api, api({"start": STAFF})[1], "england"), "seen")
    assert turn["state"] == "already_seen"
    m = msg(turn, "schools.staff.already_seen")
    assert m.get("kind") == "checklist"
    for phrase in (
        "a pupil showed you a nude on their phone",
        "not done anything wrong",
        "Tell the safeguarding lead straight away",
        "Don't copy, print, share or save it",
        "Don't take it any further yourself",
        "your school's policy",
        "support",
    ):
        assert phrase in m["text"], phrase
    assert not forbidden_advice(m["text"], "schools")


def test_staff_do_not_list(api: Post) -> None:
    turn = choose(api, choose(api, api({"start": STAFF})[1], "england"), "next")
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
    assert re.search(r"Don't question the child about the details\. The safeguarding lead will do that", text)
    assert "Don't tell other staff, the young people involved or any parents" in text
    assert "Don't blame or shame the child" in text


def test_staff_flow_says_the_essentials(staff_paths: list[Path]) -> None:
    text = next(p for p in staff_paths if p.choices[:2] == ["england", "next"]).text
    for phrase in (
        "child sexual abuse",
        "Tell the safeguarding lead at once",
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
    summary = next(p for p in staff_paths if p.turns[-1]["state"] == "summary").turns[-1]
    nxt = choose(api, summary, "dsl_review")
    assert (nxt["flow"], nxt["state"]) == (DSL, "nation")


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
        "dsl/how_many",
        "dsl/consent",
        "dsl/ages",
        "dsl/vulnerability",
        "dsl/images",
        "staff/already_seen",
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
                if m["id"] in ("schools.dsl.viewing_rules", "schools.dsl.images"):
                    continue  # listed exceptions (content/advice_exceptions.yaml): their own tests
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


def test_deletion_step_is_the_school_led_path_only(api: Post, dsl_paths: list[Path]) -> None:
    """Asking pupils to delete the image (UKCIS, marked *check*) is said only on
    the no-referral path, with "don't delete it yourself", and is the one
    sentence the advice checker lets through."""
    for p in dsl_paths:
        if any(t["state"] in REFER_STATES for t in p.turns):
            assert "asked to delete it" not in p.text, p.states
    turns = drive_no_referral(api)
    text = msg(next(t for t in turns if t["state"] == "images"), "schools.dsl.images")["text"]
    assert forbidden_advice(text, "schools") == [
        "delete: 'when the school responds without a referral, "
        "the young people who have the image are usually asked to delete it.'"
    ]
    assert "don't delete it yourself" in text and "Don't view the image" in text
