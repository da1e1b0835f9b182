"""The young people's flows, walked the way a person clicks, through the JSON API.

Every path of every youth flow is walked (tests/paths.py). On each path that
reaches the flow's end we check the points the guidance says must be made
(GUIDANCE.md §1, §4, §5), in the right order where order matters; everywhere
we check that no advice to pay, delete evidence or copy/pass on a nude image
is given, and that every message reads at Flesch-Kincaid grade 6 or below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path as FsPath
from typing import Any

import pytest
from paths import Path, walk

from app.engine.checks import IMAGE, advice_exceptions, forbidden_advice, forbidden_advice_in, reading_grade
from app.engine.content import load_content

ROOT = FsPath(__file__).resolve().parent.parent

YOUTH_FLOWS = (
    "youth_sextortion",
    "youth_image_shared",
    "youth_pressure",
    "youth_unwanted_image",
    "youth_worried_friend",
    "youth_talk_to_someone",
)
MAX_GRADE = 6.0
END = "anything_else"  # every youth flow ends here: signposting, then "anything else?"


# -- helpers -----------------------------------------------------------------------


def plain(text: str) -> str:
    """Straight apostrophes and quotes (the Markdown renderer curls them)."""
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')


def text_of(path: Path) -> str:
    return plain(path.text)


_walks: dict[str, list[Path]] = {}


@pytest.fixture
def paths(api: Any) -> Callable[[str], list[Path]]:
    """Every path of a flow (walked once per test session; the words don't change)."""

    def get(flow: str) -> list[Path]:
        if flow not in _walks:
            _walks[flow] = walk(api, flow)
        return _walks[flow]

    return get


def complete(paths: list[Path], flow: str) -> list[Path]:
    """The paths that reach the flow's own end (not the ones that hop to another flow)."""
    done = [p for p in paths if p.turns[-1]["flow"] == flow and p.states[-1] == END]
    assert done, f"{flow}: no path reaches '{END}'"
    return done


def state_text(path: Path, state: str) -> str:
    return plain("\n".join(m["text"] for t in path.turns if t["state"] == state for m in t["messages"]))


def must_say(text: str, patterns: list[str], where: str) -> None:
    for pat in patterns:
        assert re.search(pat, text, re.I | re.S), f"{where}: never says /{pat}/\n---\n{text}"


def first_index(text: str, pattern: str) -> int:
    m = re.search(pattern, text, re.I | re.S)
    assert m, f"/{pattern}/ not found"
    return m.start()


# -- reading level ------------------------------------------------------------------


@pytest.fixture(scope="session")
def fk_grade() -> Callable[[str], float]:
    """The project's one reading-level measure (flask flows check uses it too)."""
    return reading_grade


def youth_messages() -> dict[str, Any]:
    return {k: m for k, m in load_content(ROOT / "content").items() if k.startswith("youth.")}


def test_every_youth_message_reads_at_grade_6_or_below(fk_grade: Callable[[str], float]) -> None:
    grades = {mid: fk_grade(m.text) for mid, m in youth_messages().items()}
    assert len(grades) >= 30
    too_hard = {mid: g for mid, g in grades.items() if g > MAX_GRADE}
    assert not too_hard, f"above grade {MAX_GRADE}: {too_hard}"


def test_the_reading_level_check_bites(fk_grade: Callable[[str], float]) -> None:
    hard = (
        "Notwithstanding the aforementioned considerations, individuals experiencing "
        "financially motivated sexual extortion should immediately contact the appropriate authorities."
    )
    assert fk_grade(hard) > MAX_GRADE
    assert fk_grade("It is not your fault. You are not in trouble.") <= MAX_GRADE


@pytest.mark.parametrize("flow", YOUTH_FLOWS)
def test_every_message_shown_reads_at_grade_6_or_below(
    flow: str, paths: Callable[[str], list[Path]], fk_grade: Callable[[str], float]
) -> None:
    shown = {
        m["id"]: m["text"] for p in paths(flow) for t in p.turns if t["flow"] == flow for m in t["messages"]
    }
    assert all(mid.startswith("youth.") for mid in shown), sorted(shown)
    too_hard = {mid: fk_grade(text) for mid, text in shown.items() if fk_grade(text) > MAX_GRADE}
    assert not too_hard, too_hard


# -- what every youth flow shares ------------------------------------------------------------


# Reviewed exceptions (content/advice_exceptions.yaml): saying that uploading to
# Childline's Report Remove is safe (GUIDANCE §4).
ALLOWED = advice_exceptions(ROOT / "content")


def test_no_youth_text_gives_forbidden_advice() -> None:
    bad = {
        mid: forbidden_advice_in(m.text, "youth", ALLOWED.get(mid, set()))
        for mid, m in youth_messages().items()
    }
    assert not {k: v for k, v in bad.items() if v}
    assert forbidden_advice(
        youth_messages()["youth.image_shared.report_remove"].text, "youth"
    )  # the exception is needed


@pytest.mark.parametrize("flow", YOUTH_FLOWS)
def test_nothing_shown_or_offered_gives_forbidden_advice(
    flow: str, paths: Callable[[str], list[Path]]
) -> None:
    for p in paths(flow):
        labels = "\n".join(o["label"] for t in p.turns for o in t["options"])
        assert forbidden_advice(labels, "youth") == [], p.choices
        for m in (m for t in p.turns for m in t["messages"]):
            assert forbidden_advice_in(m["text"], "youth", ALLOWED.get(m["id"], set())) == [], (
                p.choices,
                m["id"],
            )


@pytest.mark.parametrize("flow", YOUTH_FLOWS)
def test_youth_flows_print_only_steps(flow: str, paths: Callable[[str], list[Path]]) -> None:
    """A young person may save their steps ("Save my steps"); never a
    transcript or a record of what they chose or typed."""
    offered = {t["print"] for p in paths(flow) for t in p.turns if t["flow"] == flow}
    assert offered <= {None, "steps"}
    if flow in ("youth_sextortion", "youth_image_shared"):
        assert "steps" in offered


def test_youth_steps_are_numbered_like_the_parents_steps(paths: Callable[[str], list[Path]]) -> None:
    for flow, total in (("youth_sextortion", 9), ("youth_image_shared", 7)):
        walked = max(paths(flow), key=lambda p: len(p.turns))
        numbered = [t["step"] for t in walked.turns if t["step"]]
        assert numbered == [{"n": n, "of": total} for n in range(1, total + 1)], flow


@pytest.mark.parametrize("flow", YOUTH_FLOWS)
def test_every_path_ends_with_signposting_and_anything_else(
    flow: str, paths: Callable[[str], list[Path]]
) -> None:
    for p in paths(flow):
        last = p.turns[-1]
        if last["flow"] != flow:  # hopped to another flow by choice: fine
            continue
        assert last["state"] == END and last["end"], p.states
        ids = [m["id"] for m in last["messages"]]
        assert ids == ["youth.common.signpost", "youth.common.anything_else"]
        must_say(plain(last["messages"][0]["text"]), [r"\b999\b", r"Childline", r"0800 1111"], flow)


@pytest.mark.parametrize("flow", YOUTH_FLOWS)
def test_anything_else_offers_every_other_youth_flow(flow: str, api: Any) -> None:
    # The walk stops at a declared end, so choose the end's options here
    # (with fresh tokens: cached walks were signed by another test's app).
    end = next(p for p in walk(api, flow) if p.states[-1] == END).turns[-1]
    reached = {}
    for opt in end["options"]:
        if not opt.get("global"):
            status, turn = api({"token": end["token"], "choose": opt["id"]})
            assert status == 200, turn
            reached[opt["id"]] = (turn["flow"], turn["state"], turn["end"])
    flows = {f for f, _, _ in reached.values() if f != flow}
    assert flows == set(YOUTH_FLOWS) - {flow}
    assert reached["done"] == (flow, "bye", True)


@pytest.mark.parametrize("flow", YOUTH_FLOWS)
def test_every_state_is_reached_by_some_path(flow: str, paths: Callable[[str], list[Path]]) -> None:
    import yaml

    declared = set(yaml.safe_load((ROOT / "flows" / f"{flow}.yaml").read_text())["states"])
    seen = {t["state"] for p in paths(flow) for t in p.turns if t["flow"] == flow}
    assert declared - seen <= {"bye"}  # "bye" follows the end, which the walk stops at


def test_welcome_young_person_branch_lists_all_six(api: Any) -> None:
    _, first = api({})
    _, menu = api({"token": first["token"], "choose": "young_person"})
    assert menu["state"] == "youth_menu"
    own = [o for o in menu["options"] if not o.get("global")]
    reached = set()
    for opt in own:
        _, turn = api({"token": menu["token"], "choose": opt["id"]})
        if turn["flow"] != "welcome":
            assert turn["flow"] in YOUTH_FLOWS, opt
            reached.add(turn["flow"])
    assert reached == set(YOUTH_FLOWS)
    assert own[-1]["id"] == "youth_other"  # "something else" stays last


# -- youth_sextortion ------------------------------------------------------------------

# Said once, in the first step (reassurance and urgent help, GUIDANCE §1).
FIRST_STEP_POINTS = [
    r"not your fault",
    r"not in trouble",
    r"lots of young people",
    r"can be stopped",
    r"sorted out",
    r"fake|made with AI",
    r"Samaritans",
    r"116 123",
]
SEXTORTION_POINTS = [
    *FIRST_STEP_POINTS,
    r"Don't pay",
    r"already paid, don't panic",
    r"don't pay any more",
    r"Don't send any more pictures",
    r"anything else they ask",
    r"Stop replying",
    r"don't need to reply to keep the proof",
    r"Don't delete anything",
    r"messages",
    r"username",
    r"profile link",
    r"number",
    r"bank",
    r"screenshots of the chat",
    r"Never screenshot, save or send the nude",
    r"don't screenshot that part",
    r"username, the app and the time",
    r"Write down|write down",
    r"block them|Block them",
    r"report (their|the) account on the app",
    r"does not stop them sending",
    r"don't delete it",
    r"linked",
    r"CEOP Safety Centre",
    r"not anonymous|without giving your details",
    r"\b101\b",
    r"\b999\b",
    r"Report Remove",
    r"adult you trust",
    r"Childline",
    r"0800 1111",
]
CHILDLINE_REPORT_REMOVE = (
    "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/"
    "remove-nude-image-shared-online/"
)
# The hand-off button is Childline's own Report Remove (GUIDANCE §4).
CHILDLINE_BUTTON = {"kind": "report_remove", "url": CHILDLINE_REPORT_REMOVE}


def test_sextortion_reassures_first(paths: Callable[[str], list[Path]]) -> None:
    first = paths("youth_sextortion")[0].turns[0]
    assert first["state"] == "not_your_fault"
    assert first["messages"][0]["id"] == "youth.sextortion.not_your_fault"
    must_say(
        plain(first["messages"][0]["text"]),
        [r"not your fault", r"not in trouble", r"lots of young people", r"can be stopped", r"sorted out"],
        "first message",
    )
    # Urgent help in the very first message (GUIDANCE §1), after "not your fault".
    html = first["messages"][0]["html"]
    for tel in ("tel:999", "tel:08001111", "tel:116123"):
        assert f'href="{tel}"' in html, tel
    text = plain(first["messages"][0]["text"])
    assert first_index(text, r"not your fault") < first_index(text, r"\b999\b")
    labels = {o["id"]: o["label"] for o in first["options"] if not o.get("global")}
    assert labels == {"one_step": "One step at a time", "everything": "Show me everything"}


def test_sextortion_every_complete_path_makes_every_point(paths: Callable[[str], list[Path]]) -> None:
    done = complete(paths("youth_sextortion"), "youth_sextortion")
    for p in done:
        text = text_of(p)
        must_say(text, SEXTORTION_POINTS, f"path {p.choices}")
        # reassurance before any instruction; stop replying first, then keep the
        # evidence, then block; a trusted adult before CEOP and the police
        assert first_index(text, r"not your fault") < first_index(text, r"Don't pay"), p.choices
        assert first_index(text, r"Stop replying") < first_index(text, r"Don't delete anything"), p.choices
        assert first_index(text, r"screenshots of the chat") < first_index(text, r"block them"), p.choices
        assert first_index(text, r"adult you trust") < first_index(text, r"CEOP Safety Centre"), p.choices
        # the way to take pictures down is Childline's Report Remove itself
        assert any(CHILDLINE_REPORT_REMOVE in m["html"] for t in p.turns for m in t["messages"]), p.choices


def test_sextortion_screenshots_are_of_the_conversation_never_the_image(
    paths: Callable[[str], list[Path]],
) -> None:
    for p in complete(paths("youth_sextortion"), "youth_sextortion"):
        text = text_of(p)
        for line in text.splitlines():
            if re.search(r"screenshot", line, re.I) and re.search(IMAGE, line, re.I):
                assert re.search(r"\bnever\b", line, re.I), line
        # why not, without telling a child who sent a nude that they broke the law
        must_say(text, [r"protect you", r"victims?"], "why not copy it")
        assert not re.search(r"even if the nude is of you|even of yourself", text), p.choices


def test_sextortion_one_step_at_a_time_goes_in_order(paths: Callable[[str], list[Path]]) -> None:
    steps = [p for p in complete(paths("youth_sextortion"), "youth_sextortion") if p.choices[0] == "one_step"]
    assert steps
    for p in steps:
        assert p.states == [
            "not_your_fault",
            "dont_pay",
            "stop_replying",
            "keep_everything",
            "screenshots",
            "stop_and_block",
            "accounts",
            "tell_someone",
            "report",
            "take_down",
            "anything_else",
        ]
        take_down = p.turns[p.states.index("take_down")]
        assert take_down["handoff"] == CHILDLINE_BUTTON
        # Childline's Report Remove is the main action; our page is named as an extra
        html = " ".join(m["html"] for m in take_down["messages"])
        assert html.index(CHILDLINE_REPORT_REMOVE) < html.index('href="/fingerprints"')
        must_say(
            plain(" ".join(m["text"] for m in take_down["messages"])),
            [r"not Report Remove", r"safe"],
            "take down",
        )


def test_sextortion_labels_say_what_comes_next(paths: Callable[[str], list[Path]]) -> None:
    """No label claims something the person has not done ("Done. What next?")."""
    labels = {o["label"] for p in paths("youth_sextortion") for t in p.turns for o in t["options"]}
    assert not labels & {"Done. What next?", "OK. Who can I tell?", "OK. What next?", "Got it. What next?"}
    assert "Next: who can help" in labels


def test_sextortion_show_me_everything_is_one_checklist(paths: Callable[[str], list[Path]]) -> None:
    everything = [
        p for p in complete(paths("youth_sextortion"), "youth_sextortion") if p.choices[0] == "everything"
    ]
    assert len(everything) == 2  # straight to the end, or via the take-down step
    for p in everything:
        turn = p.turns[1]
        assert turn["state"] == "everything"
        (msg,) = turn["messages"]
        assert msg.get("kind") == "checklist"
        items = [line for line in plain(msg["text"]).splitlines() if line.startswith("- ")]
        assert len(items) >= 10
        must_say(
            "\n".join(items),
            [pat for pat in SEXTORTION_POINTS if pat not in FIRST_STEP_POINTS],
            "checklist",
        )
        assert re.search(r"kept only|only kept", msg["text"]), "the ticks stay in the browser"
        assert CHILDLINE_REPORT_REMOVE in msg["html"]
        items_text = "\n".join(items)
        assert first_index(items_text, r"Stop replying") < first_index(items_text, r"Don't delete anything")
        assert first_index(items_text, r"adult you trust") < first_index(items_text, r"CEOP Safety Centre")


def test_sextortion_can_hop_to_report_remove_explained(paths: Callable[[str], list[Path]]) -> None:
    hops = {p.turns[-1]["flow"] for p in paths("youth_sextortion") if p.states[-2:-1] == ["take_down"]}
    assert "youth_image_shared" in hops


# -- youth_image_shared ------------------------------------------------------------------


def test_image_shared_hands_off_to_childline_report_remove(paths: Callable[[str], list[Path]]) -> None:
    """GUIDANCE §4: the main action is Childline's Report Remove; our page is an
    extra with its own name, honest about where its codes go."""
    handed = [
        p for p in complete(paths("youth_image_shared"), "youth_image_shared") if "report_remove" in p.states
    ]
    assert handed
    for p in handed:
        text = text_of(p)
        assert p.states[0] == "not_your_fault"
        must_say(state_text(p, "not_your_fault"), [r"not your fault", r"not in trouble"], "start")
        handoffs = [t for t in p.turns if t["handoff"]]
        assert [t["handoff"] for t in handoffs] == [CHILDLINE_BUTTON]
        hand_off = state_text(p, "report_remove")
        must_say(
            hand_off,
            [
                r"Go to Report Remove on Childline",
                r"safe, and it is not against the law",  # uploading to Report Remove (§4)
                r"even if nothing has been posted",
                r"fingerprints on this phone",
                r"not sent anywhere",
                r"This is not Report Remove",
                r"only go to websites that have signed up",
            ],
            "hand-off",
        )
        assert first_index(hand_off, r"Go to Report Remove") < first_index(hand_off, r"fingerprint")
        html = " ".join(m["html"] for m in handoffs[0]["messages"])
        assert CHILDLINE_REPORT_REMOVE in html
        # our page: an extra, after Childline's, linked by its own name
        assert html.index(CHILDLINE_REPORT_REMOVE) < html.index('href="/fingerprints"')
        assert re.search(r'<a href="/fingerprints">make fingerprints on this phone</a>', html)
        # Take It Down, for what it covers (§1), not "for sites outside the UK"
        must_say(
            text,
            [
                r"Take It Down",
                r"takeitdown\.ncmec\.org",
                r"under 18, in any country",
                r"on your own device",
                r"take part",
                r"before anything is posted",
                r"Childline",
                r"0800 1111",
            ],
            f"path {p.choices}",
        )
        assert "outside the UK" not in text


def test_image_shared_in_a_school_group_chat(paths: Callable[[str], list[Path]]) -> None:
    school = [p for p in paths("youth_image_shared") if p.choices[:1] == ["school_group"]]
    assert school
    for p in school:
        must_say(
            state_text(p, "school_group"),
            [
                r"tell a teacher you trust",
                r"make people delete it",
                r"report the group chat",
                r"won't be in trouble",
            ],
            "school group chat",
        )


def test_image_shared_explains_what_report_remove_does(paths: Callable[[str], list[Path]]) -> None:
    explained = [
        p for p in complete(paths("youth_image_shared"), "youth_image_shared") if "what_is" in p.states
    ]
    assert explained
    for p in explained:
        must_say(
            text_of(p),
            [
                r"under 18 in the UK",
                r"under 13, 13 to 15, or 16 to 17",
                r"don't have to show ID",
                r"from most sites",
                r"bit longer",
                r"Childline account",
                r"counsellor",
                r"IWF",
                r"fingerprint",
                r"hash",
                r"take it down and block it",
                r"one working day",
                r"saved on someone's phone",
                r"WhatsApp",
                r"Snapchat",
                r"can't promise",
                r"every copy",
            ],
            f"path {p.choices}",
        )
        assert p.states.index("limits") < p.states.index("report_remove")


def test_image_shared_has_a_quick_way_straight_there(paths: Callable[[str], list[Path]]) -> None:
    quick = [p for p in paths("youth_image_shared") if p.choices[:1] == ["straight"]]
    assert quick and all(p.states[1] == "report_remove" for p in quick)


# -- youth_pressure ---------------------------------------------------------------------


def test_pressure_every_path(paths: Callable[[str], list[Path]]) -> None:
    for p in complete(paths("youth_pressure"), "youth_pressure"):
        assert p.turns[0]["messages"][0]["id"] == "youth.pressure.ok_to_say_no"
        must_say(
            text_of(p),
            [
                r"OK to say no",
                r"don't owe anyone",
                r"not your fault",
                r"block them",
                r"report them",
                r"adult, or are you not sure",
                r"CEOP Safety Centre",
                r"\b999\b",
                r"adult you trust",
                r"0800 1111",
            ],
            f"path {p.choices}",
        )


def test_pressure_scripts_are_short_lines_to_send(paths: Callable[[str], list[Path]]) -> None:
    with_scripts = [p for p in paths("youth_pressure") if "scripts" in p.states]
    assert with_scripts
    lines = [ln[2:] for ln in state_text(with_scripts[0], "scripts").splitlines() if ln.startswith("- ")]
    assert 3 <= len(lines) <= 4, lines
    assert all(len(ln.split()) <= 8 and re.search(r"\bno|stop|not\b", ln, re.I) for ln in lines), lines


def test_pressure_adult_goes_straight_to_ceop(paths: Callable[[str], list[Path]]) -> None:
    adult = [p for p in paths("youth_pressure") if p.choices[:1] == ["adult"]]
    assert adult and all(p.states[1] == "adult" for p in adult)
    assert all(t["messages"][0]["id"] == "youth.pressure.ceop" for p in adult for t in p.turns[1:2])


# -- youth_unwanted_image ----------------------------------------------------------------


def test_unwanted_image_every_path(paths: Callable[[str], list[Path]]) -> None:
    for p in complete(paths("youth_unwanted_image"), "youth_unwanted_image"):
        text = text_of(p)
        must_say(
            text,
            [
                r"not your fault",
                r"not in trouble",
                r"Don't forward it or show it to anyone",
                r"Report the account",
                r"block it",
                r"Blocking only stops them reaching you",
                r"not anonymous",
                r"CEOP Safety Centre",
                r"adult you trust",
                r"0800 1111",
            ],
            f"path {p.choices}",
        )
        assert first_index(text, r"not your fault") < first_index(text, r"Don't forward")


# -- youth_worried_friend ----------------------------------------------------------------


def test_worried_friend_every_path(paths: Callable[[str], list[Path]]) -> None:
    for p in complete(paths("youth_worried_friend"), "youth_worried_friend"):
        must_say(
            text_of(p),
            [
                r"not their fault",
                r"don't share it",
                r"Don't forward it or show it to anyone",
                r"Be there for your friend",
                r"Don't pay",
                r"don't send any more pictures",
                r"Don't delete anything",
                r"CEOP Safety Centre",
                r"not anonymous",
                r"Tell an adult you trust",
                r"\b999\b",
                r"Report Remove\W+is for the person in the picture",
                r"do it themselves",
                r"help them find it",
                r"0800 1111",
            ],
            f"path {p.choices}",
        )
        assert all(t["handoff"] is None for t in p.turns)  # the hand-off is for the person in the picture


# -- youth_talk_to_someone ---------------------------------------------------------------


def test_talk_to_someone_every_path(paths: Callable[[str], list[Path]]) -> None:
    done = complete(paths("youth_talk_to_someone"), "youth_talk_to_someone")
    for p in done:
        must_say(
            state_text(p, "childline"),
            [r"Childline", r"counsellor", r"0800 1111", r"1-2-1", r"24 hours"],
            "start",
        )
    told = [p for p in done if "what_to_expect" in p.states]
    assert told
    for p in told:
        must_say(
            state_text(p, "what_to_expect"),
            [
                r"free",
                r"confidential",
                r"someone's safety is at risk",
                r"don't have to give your name",
                r"stop at any time",
            ],
            "expect",
        )


def _iter_all(paths: Callable[[str], list[Path]]) -> Iterator[Path]:
    for flow in YOUTH_FLOWS:
        yield from paths(flow)


def test_only_known_numbers_and_links(paths: Callable[[str], list[Path]]) -> None:
    allowed = {
        "tel:999",
        "tel:101",
        "tel:08001111",
        "tel:116123",
        "/fingerprints",
        "https://www.childline.org.uk/",
        "https://www.ceop.police.uk/Safety-Centre/",
        "https://takeitdown.ncmec.org/",
        "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/"
        "remove-nude-image-shared-online/",
    }
    hrefs = {
        h
        for p in _iter_all(paths)
        for t in p.turns
        for m in t["messages"]
        for h in re.findall(r'href="([^"]+)"', m["html"])
    }
    assert hrefs <= allowed, hrefs - allowed


# -- the hand-off button and the adults' door --------------------------------------------


def test_the_hand_off_button_goes_to_childline_report_remove(client: Any, api: Any) -> None:
    import json
    from html import unescape

    page = client.get("/chat").get_data(as_text=True)
    labels = json.loads(unescape(re.search(r'data-handoff-labels="([^"]*)"', page).group(1)))
    assert labels["report_remove"] == "Go to Report Remove on the Childline website"
    # In Welsh too the button goes to Childline's page as it is (no ?lang= for another site).
    status, first = api({"start": "youth_image_shared", "locale": "cy"})
    assert status == 200
    _, turn = api({"token": first["token"], "choose": "straight"})
    assert turn["handoff"] == CHILDLINE_BUTTON
    assert any('href="/fingerprints?lang=cy"' in m["html"] for m in turn["messages"])


def test_over_18s_get_their_own_help_with_respect(api: Any) -> None:
    _, first = api({})
    assert "adult" in {o["id"] for o in first["options"]}
    _, hello = api({"token": first["token"], "choose": "adult"})
    assert hello["flow"] == "adult_help"
    words = plain(hello["messages"][0]["text"])
    must_say(
        words,
        [
            r"welcome here",
            r"Whatever your age",
            r"18 or 19",
            r"not your fault",
            r"don't have to prove your age",
            r"\b999\b",
            r"Samaritans",  # urgent help in the first step (GUIDANCE §1)
        ],
        "hello",
    )
    _, help_ = api({"token": hello["token"], "choose": "next"})
    text = plain("\n".join(m["text"] for m in help_["messages"]))
    must_say(
        text,
        [
            r"Revenge Porn Helpline",
            r"0345 6000 459, Monday to Friday, 10am to 4pm",
            r"StopNCII\.org",
            r"own device",
            r"Don't pay",
            r"Stop replying",
            r"Don't delete anything",
            r"\b999\b",
            r"Take It Down",
        ],
        "adult help",
    )
    assert help_["end"] and "help_now" in {o["id"] for o in help_["options"]}
