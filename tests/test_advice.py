"""The one forbidden-advice check (app/engine/checks.py), which `flask flows
check` runs over every message and option label: never advise paying,
deleting evidence, or viewing, copying, saving, screenshotting or passing on a
nude image; never take a child's phone away (GUIDANCE.md §1-§3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine import Engine
from app.engine.checks import check_advice, forbidden_advice

ROOT = Path(__file__).resolve().parent.parent

BAD = [
    "Pay them and they will stop.",
    "If they ask, pay them.",
    "You should pay what they ask.",
    "It is best to pay quickly.",
    "Don't panic, but pay them.",
    "It's not your fault, so pay them.",
    "Send them the money.",
    "Just send more and it will end.",
    "Delete the messages.",
    "You can delete the chat and block them.",
    "Don't pay. Delete everything.",
    "Screenshot the picture so you have proof.",
    "Take a screenshot of the nude.",
    "Save the image somewhere safe.",
    "You should save the nude as evidence.",
    "Print the image for the file.",
    "Forward it to an adult you trust.",
    "Forward the picture to the school.",
    "Show the photo to a teacher.",
    "Send the pics to the police.",
    "You should view the image first.",
    "Look at the photo to check.",
    "Ask your child to show you the photo.",
    "Ask them to send it to you.",
    "Take their phone away for a week.",
]
GOOD = [
    "Don't pay them.",
    "If you already paid, don't panic. Just don't pay any more.",
    "Paying does not make them stop.",
    "They said they will share it unless you pay.",
    "They want you to send more.",
    "Don't delete anything.",
    "Turn it off for a while, but don't delete it.",
    "Take screenshots of the chat and their account.",
    "Never screenshot, save or send the nude picture itself.",
    "Don't forward it or show it to anyone, not even as a joke.",
    "Keep all the messages.",
    "Show me everything",
    "Never look at, copy, forward or ask to see the image.",
    "Don't view the image, and never copy, print, share or save it.",
    "Does anyone need to see the image to decide?",
    "It is against the law to make or share a copy of a nude image.",
    "Report Remove can help get the image taken down.",
    "Don't take their phone away as a punishment.",
]


@pytest.mark.parametrize("sentence", BAD)
def test_catches_forbidden_advice(sentence: str) -> None:
    assert forbidden_advice(sentence), sentence


@pytest.mark.parametrize("sentence", GOOD)
def test_lets_safe_advice_through(sentence: str) -> None:
    assert forbidden_advice(sentence) == [], sentence


def test_school_staff_are_never_told_about_screenshots_or_forwarding() -> None:
    assert forbidden_advice("Take screenshots of the chat.", "schools")
    assert forbidden_advice("Forwarding is fine.", "schools")
    assert forbidden_advice("Take screenshots of the chat.", "youth") == []


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(ROOT / "flows", ROOT / "content", "a" * 40)


def test_no_message_or_option_gives_forbidden_advice(engine: Engine) -> None:
    assert check_advice(engine, ROOT / "content") == []


def test_the_exceptions_are_needed_and_narrow(engine: Engine, tmp_path: Path) -> None:
    """The DSL viewing rule and the school-led deletion step are flagged without
    their listed exceptions, and each exception covers its sentence only."""
    text = engine.messages["schools.dsl.viewing_rules"].text
    assert forbidden_advice(text, "schools") == [
        "look at the image: 'only look at it if there is no other way to decide.'"
    ]
    (tmp_path / "advice_exceptions.yaml").write_text("{}\n")
    found = [str(f) for f in check_advice(engine, tmp_path)]
    assert len(found) == 2 and "dsl/images.md" in found[0] and "viewing_rules" in found[1], found


def test_option_labels_are_checked(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    flow = engine.flows["youth_sextortion"]
    state = flow.states[flow.start]
    bad = replace(state, options=(replace(state.options[0], label="Pay them"), *state.options[1:]))
    monkeypatch.setitem(flow.states, flow.start, bad)  # type: ignore[index]
    found = [str(f) for f in check_advice(engine, ROOT / "content")]
    assert any("forbidden advice, pay: 'pay them'" in f for f in found), found
