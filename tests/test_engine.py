"""The engine on its own: no Flask, no transport."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import yaml

from app.engine import Engine, FlowError, Problem, Route, Turn
from app.engine.predicates import predicate
from app.engine.tokens import Conversation, Tokens

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s" * 40


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(ROOT / "flows", ROOT / "content", SECRET)


def test_engine_imports_no_flask() -> None:
    # Load app.engine without running app/__init__.py (which is the Flask side).
    code = (
        "import sys, types; pkg = types.ModuleType('app'); pkg.__path__ = ['app']; "
        "sys.modules['app'] = pkg; import app.engine; print('flask' in sys.modules)"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_start_is_welcome_audience(engine: Engine) -> None:
    turn = engine.step(None, {})
    assert (turn.flow, turn.state, turn.locale) == ("welcome", "audience", "en")
    ids = [o["id"] for o in turn.options]
    assert ids[:3] == ["young_person", "parent", "school_staff"]
    assert "help_now" in ids and "back" not in ids  # nowhere to go back to yet
    assert any("name" in m["text"] for m in turn.messages)  # the privacy promise


def test_choose_moves_and_back_returns(engine: Engine) -> None:
    t1 = engine.step(None, {})
    t2 = engine.step(t1.token, {"choose": "parent"})
    assert t2.state == "parent_menu"
    t3 = engine.step(t2.token, {"choose": "back"})
    assert t3.state == "audience"


def test_help_now_from_any_state_then_resume(engine: Engine) -> None:
    t = engine.step(engine.step(None, {}).token, {"choose": "school_staff"})
    crisis = engine.step(t.token, {"choose": "help_now"})
    assert crisis.crisis and (crisis.flow, crisis.state) == (t.flow, t.state)
    text = " ".join(m["text"] for m in crisis.messages)
    for number in ("999", "0800 1111", "116 123", "85258"):
        assert number in text
    back = engine.step(crisis.token, {"choose": "resume"})
    assert not back.crisis and back.state == t.state and back.messages == t.messages


def test_start_again_resets(engine: Engine) -> None:
    t = engine.step(engine.step(None, {}).token, {"choose": "young_person"})
    again = engine.step(t.token, {"choose": "start_again"})
    assert (again.flow, again.state) == ("welcome", "audience")
    assert "back" not in [o["id"] for o in again.options]


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ({"choose": "no_such_option"}, "unknown_option"),
        ({"choose": "resume"}, "unknown_option"),  # only offered on an overlay
        ({"say": "x" * 1001}, "text_too_long"),
        ({"say": "   "}, "empty_text"),
        ({"choose": 5}, "bad_request"),
        ({"start": "no_such_flow"}, "unknown_flow"),
        ({"locale": "xx"}, "unknown_locale"),
    ],
)
def test_bad_actions_raise_problems(engine: Engine, action: dict, code: str) -> None:
    token = engine.step(None, {}).token
    with pytest.raises(Problem) as info:
        engine.step(token, action)
    assert info.value.code == code


def test_tampered_and_expired_tokens(engine: Engine) -> None:
    token = engine.step(None, {}).token
    with pytest.raises(Problem) as info:
        engine.step(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], {"choose": "parent"})
    assert info.value.code == "bad_token" and info.value.restart
    old = Tokens(SECRET, max_age=1)
    stale = old.dump(Conversation("welcome", "audience", "en"))
    short = Engine(ROOT / "flows", ROOT / "content", SECRET, max_age=1)
    time.sleep(2.1)  # itsdangerous timestamps have one-second resolution
    with pytest.raises(Problem) as info:
        short.step(stale, {"choose": "parent"})
    assert info.value.code == "expired_token"
    # "Start again" works even though the token can't be read.
    fresh = short.step(stale, {"choose": "start_again"})
    assert fresh.state == "audience"


def test_problem_has_kind_message(engine: Engine) -> None:
    body, ok = engine.act({"token": "nonsense", "choose": "parent"})
    assert not ok
    assert body["error"]["code"] == "bad_token"
    assert "start again" in body["error"]["message"].lower()
    assert body["error"]["options"][0]["id"] == "start_again"


def test_token_carries_no_server_state(engine: Engine) -> None:
    t = engine.step(None, {})
    # Two engines with the same secret continue each other's conversations.
    other = Engine(ROOT / "flows", ROOT / "content", SECRET)
    assert other.step(t.token, {"choose": "parent"}).state == "parent_menu"


# -- validation of broken flows ------------------------------------------------

GLOBAL = {
    "start": "f",
    "help_now": ["common.help_now"],
    "heard": ["common.heard"],
    "not_sure": ["common.not_sure"],
    "safety_check": ["common.safety_check"],
    "safety_check_adults": ["common.safety_check_adults"],
    "adult_labels": {"safe_yes": "Yes, someone", "safe_no": "No one", "safe_unsure": "Not sure"},
    "labels": {
        "help_now": "Help",
        "back": "Back",
        "start_again": "Again",
        "resume": "Resume",
        "safe_yes": "Yes",
        "safe_no": "No",
        "safe_unsure": "Not sure",
    },
}


def good_flow() -> dict:
    return {
        "id": "f",
        "audience": "youth",
        "title": "F",
        "start": "a",
        "states": {
            "a": {"say": ["common.not_sure"], "options": [{"id": "go", "label": "Go", "to": "b"}]},
            "b": {"say": ["common.not_sure"], "end": True},
        },
    }


def load(tmp_path: Path, flow: dict) -> Engine:
    (tmp_path / "_global.yaml").write_text(yaml.safe_dump(GLOBAL))
    (tmp_path / "f.yaml").write_text(yaml.safe_dump(flow))
    return Engine(tmp_path, ROOT / "content", SECRET)


def broken(edit):
    flow = good_flow()
    edit(flow)
    return flow


BROKEN = {
    "unknown target 'z'": broken(lambda f: f["states"]["a"]["options"][0].update(to="z")),
    "unreachable from the start state": broken(
        lambda f: f["states"].update(c={"say": ["common.not_sure"], "end": True})
    ),
    "has no way forward and is not declared 'end: true'": broken(lambda f: f["states"]["b"].pop("end")),
    "unknown content id 'nope.missing'": broken(lambda f: f["states"]["b"].update(say=["nope.missing"])),
    "duplicate option id 'go'": broken(
        lambda f: f["states"]["a"]["options"].append({"id": "go", "label": "Again", "to": "b"})
    ),
    "unknown predicate 'never_defined'": broken(
        lambda f: f["states"]["a"]["options"][0].update(to=[{"if": "never_defined", "go": "b"}, {"go": "b"}])
    ),
    "unknown key 'sya'": broken(lambda f: f["states"]["b"].update(sya=[])),
    "clashes with a global action": broken(lambda f: f["states"]["a"]["options"][0].update(id="back")),
    "start state 'nowhere'": broken(lambda f: f.update(start="nowhere")),
    "unknown flow 'elsewhere'": broken(
        lambda f: f["states"]["a"]["options"][0].update(to=None, flow="elsewhere")
    ),
}


@pytest.mark.parametrize("expected", list(BROKEN))
def test_broken_flows_are_refused_with_one_line_each(tmp_path: Path, expected: str) -> None:
    flow = {k: v for k, v in BROKEN[expected].items()}
    for st in flow["states"].values():
        for opt in st.get("options", []):
            if opt.get("to") is None:
                opt.pop("to", None)
    with pytest.raises(FlowError) as info:
        load(tmp_path, flow)
    lines = info.value.problems
    assert any(line.startswith("flows/f.yaml: ") and expected in line for line in lines), lines


def test_good_fixture_flow_loads(tmp_path: Path) -> None:
    e = load(tmp_path, good_flow())
    assert e.step(e.step(None, {}).token, {"choose": "go"}).end


def test_branches_use_named_predicates(tmp_path: Path) -> None:
    @predicate
    def likes_tea(answers: dict) -> bool:
        return bool(answers.get("tea"))

    flow = good_flow()
    flow["states"]["a"]["options"] = [
        {
            "id": "tea",
            "label": "Tea",
            "set": {"tea": True},
            "to": [{"if": "likes_tea", "go": "b"}, {"go": "c"}],
        },
        {
            "id": "coffee",
            "label": "Coffee",
            "set": {"tea": False},
            "to": [{"if": "likes_tea", "go": "b"}, {"go": "c"}],
        },
    ]
    flow["states"]["c"] = {"say": ["common.not_sure"], "end": True}
    e = load(tmp_path, flow)
    start = e.step(None, {}).token
    assert e.step(start, {"choose": "tea"}).state == "b"
    assert e.step(start, {"choose": "coffee"}).state == "c"


def test_raw_html_in_content_is_refused(tmp_path: Path) -> None:
    from app.engine import ContentError
    from app.engine.content import render_markdown

    with pytest.raises(ContentError, match="raw HTML"):
        render_markdown("Hello <script>alert(1)</script>", "x.md")
    with pytest.raises(ContentError, match="raw HTML"):
        render_markdown("<div>\nblock\n</div>", "x.md")
    html, text = render_markdown("Call **[999](tel:999)** now", "x.md")
    assert '<a href="tel:999">999</a>' in html and text == "Call 999 now"


def test_typing_first_starts_a_conversation() -> None:
    from app.safety.service import SafetyService

    engine = Engine(ROOT / "flows", ROOT / "content", SECRET)
    engine.safety = SafetyService.for_flows(engine.flows)
    turn = engine.step(None, {"say": "i want to kill myself"})
    assert turn.crisis and turn.flow == "welcome"
    # the first screen: nowhere to carry on to, so Back (not "Carry on where I was")
    assert [o["id"] for o in turn.options] == ["back"]
    assert engine.step(turn.token, {"choose": "back"}).state == "audience"


def test_token_history_round_trips_across_flows() -> None:
    tokens = Tokens(SECRET, max_age=60)
    history = (("welcome", "audience"), ("welcome", "school_menu"), ("school_dsl_incident", "adult_involved"))
    c = Conversation("school_dsl_incident", "coercion", "cy", {"adult_involved": False}, 3, history)
    assert tokens.load(tokens.dump(c)) == c


class _Words:
    """A stand-in for the safety service: fixed answers for fixed words."""

    def __init__(
        self,
        level: dict[str, str],
        route: dict[str, str] | None = None,
        parents: frozenset[str] = frozenset(),
    ):
        self.level, self.to, self.parents = level, route or {}, parents

    def check(self, text: str) -> str | None:
        return self.level.get(text)

    def route(self, text: str, audience: str | None) -> Route:
        return Route(self.to.get(text), ("youth_pressure",))

    def answer(self, text: str, audience: str) -> str | None:
        return None

    def writer(self, text: str) -> str | None:
        return "parents" if text in self.parents else None


def _asked(engine: Engine, words: str) -> tuple[Turn, Turn]:
    here = engine.step(None, {"start": "youth_pressure"})
    return here, engine.step(here.token, {"say": words})


@pytest.mark.parametrize("answer", ["safe_yes", "safe_unsure"])
def test_unclear_words_ask_directly_and_yes_or_unsure_means_urgent_help(answer: str) -> None:
    engine = Engine(ROOT / "flows", ROOT / "content", SECRET)
    engine.safety = _Words({"everything feels heavy": "ask"})
    here, asked = _asked(engine, "everything feels heavy")
    assert asked.safety_check and not asked.crisis and (asked.flow, asked.state) == (here.flow, here.state)
    assert "in danger right now" in asked.messages[0]["text"]
    ids = [o["id"] for o in asked.options]
    assert ids[:3] == ["safe_yes", "safe_no", "safe_unsure"] and "help_now" not in ids
    helped = engine.step(asked.token, {"choose": answer})
    assert helped.crisis and not helped.safety_check
    assert helped.messages[0]["id"] == "common.heard"  # what they said is acknowledged first
    assert "999" in " ".join(m["text"] for m in helped.messages)
    assert engine.step(helped.token, {"choose": "back"}).state == here.state


def test_no_returns_to_the_step() -> None:
    engine = Engine(ROOT / "flows", ROOT / "content", SECRET)
    engine.safety = _Words(
        {"low": "ask", "low and he wants money": "ask"}, {"low and he wants money": "youth_sextortion"}
    )
    for words in ("low", "low and he wants money"):  # even when the words seem to name a flow
        here, asked = _asked(engine, words)
        back = engine.step(asked.token, {"choose": "safe_no"})
        assert (back.flow, back.state, back.safety_check, back.crisis) == (
            here.flow,
            here.state,
            False,
            False,
        )
        assert back.messages == here.messages


def test_safety_answers_are_offered_only_while_asking() -> None:
    engine = Engine(ROOT / "flows", ROOT / "content", SECRET)
    engine.safety = _Words({"danger": "crisis"})
    here = engine.step(None, {"start": "youth_pressure"})
    for answer in ("safe_yes", "safe_no", "safe_unsure"):
        with pytest.raises(Problem, match="unknown_option"):
            engine.step(here.token, {"choose": answer})
    card = engine.step(here.token, {"say": "danger"})
    assert card.crisis and not card.safety_check


def test_the_safety_question_is_asked_in_welsh() -> None:
    from app.i18n import Catalogs

    catalogs = Catalogs(ROOT / "locales")
    engine = Engine(
        ROOT / "flows", ROOT / "content", SECRET, locales=catalogs.locales, translate=catalogs.gettext
    )
    engine.safety = _Words({"trwm": "ask"})
    here = engine.step(None, {"start": "youth_pressure", "locale": "cy"})
    asked = engine.step(here.token, {"say": "trwm"})
    labels = [o["label"] for o in asked.options]
    assert labels[:3] == ["Ydw", "Nac ydw", "Dydw i ddim yn siŵr"], labels
    assert "perygl" in asked.messages[0]["text"]


def test_the_card_thanks_them_only_when_their_words_brought_it() -> None:
    engine = Engine(ROOT / "flows", ROOT / "content", SECRET)
    engine.safety = _Words({"danger": "crisis"})
    here = engine.step(None, {"start": "youth_pressure"})
    typed = engine.step(here.token, {"say": "danger"})
    tapped = engine.step(here.token, {"choose": "help_now"})
    assert typed.crisis and tapped.crisis
    assert [m["id"] for m in typed.messages] == ["common.heard", "common.help_now"]
    assert [m["id"] for m in tapped.messages] == ["common.help_now"]
    assert "Thank you for telling me" not in tapped.messages[0]["text"]


def _question(turn: Turn) -> tuple[str, list[str]]:
    return turn.messages[0]["text"], [o["label"] for o in turn.options if o["id"].startswith("safe_")]


def test_on_the_menus_the_safety_question_speaks_to_the_person_writing() -> None:
    """Before anyone chose who they are, a parent's worried words get the
    adults' question; after choosing "I'm a parent or carer", every unclear
    message does; a young person's words keep their own question."""
    engine = Engine(ROOT / "flows", ROOT / "content", SECRET)
    engine.safety = _Words(
        {"my son is in a state": "ask", "everything feels heavy": "ask"},
        parents=frozenset({"my son is in a state"}),
    )
    first = engine.step(None, {})
    parent_words = engine.step(first.token, {"say": "my son is in a state"})
    text, labels = _question(parent_words)
    assert "Is anyone in danger right now?" in text and labels == [
        "Yes, someone is",
        "No, no one is",
        "I'm not sure",
    ]
    assert engine.step(parent_words.token, {"choose": "safe_yes"}).crisis  # the same answers, the same way on
    back = engine.step(parent_words.token, {"choose": "safe_no"})
    assert (back.flow, back.state, back.safety_check) == ("welcome", "audience", False)
    for words in ("my son is in a state", "everything feels heavy"):  # a second worry, while still asked
        text, labels = _question(engine.step(parent_words.token, {"say": words}))
        assert "Is anyone in danger right now?" in text and labels[0] == "Yes, someone is", words

    young_words = engine.step(first.token, {"say": "everything feels heavy"})
    text, labels = _question(young_words)
    assert "Are you thinking about hurting yourself" in text and labels[0] == "Yes, I am"

    parent_menu = engine.step(first.token, {"choose": "parent"})
    assert parent_menu.state == "parent_menu"
    text, labels = _question(engine.step(parent_menu.token, {"say": "everything feels heavy"}))
    assert "Is anyone in danger right now?" in text and labels[0] == "Yes, someone is"

    youth_menu = engine.step(
        first.token, {"choose": "young_person"}
    )  # a young person writing "my son"? still theirs
    text, _ = _question(engine.step(youth_menu.token, {"say": "my son is in a state"}))
    assert "Are you thinking about hurting yourself" in text
