"""Understanding what people type: answers to the questions they ask in the
middle of a conversation (shown in place, the step kept), an honest answer
when nothing fits (with Help now), and routing that keeps a young person to
the young people's conversations. Runs the app's real matcher."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from test_transports import form_turn, hidden_token


def _at(api: Any, flow: str, locale: str = "en") -> dict[str, Any]:
    _, turn = api({"start": flow, "locale": locale})
    return turn


@pytest.mark.parametrize(
    "flow, words, answer",
    [
        ("youth_sextortion", "i already paid him 50 and he wants more", "youth.questions.already_paid"),
        (
            "youth_sextortion",
            "will i get in trouble with the police for sending it",
            "youth.questions.in_trouble",
        ),
        ("youth_sextortion", "what if he already posted it", "youth.questions.already_posted"),
        ("youth_image_shared", "i cant tell my parents", "youth.questions.cant_tell_parents"),
        ("parent_child_targeted", "do i have to tell the police", "parents.questions.tell_police"),
        ("school_staff_first_response", "do we have to tell the parents", "schools.questions.tell_parents"),
    ],
)
def test_a_question_is_answered_in_place(api: Any, flow: str, words: str, answer: str) -> None:
    here = _at(api, flow)
    status, turn = api({"token": here["token"], "say": words})
    assert status == 200 and [m["id"] for m in turn["messages"]] == [answer]
    assert (turn["flow"], turn["state"]) == (here["flow"], here["state"])
    ids = [o["id"] for o in turn["options"]]
    assert ids[:2] == ["resume", "help_now"]
    _, back = api({"token": turn["token"], "choose": "resume"})
    assert (back["state"], back["messages"]) == (here["state"], here["messages"])


def test_a_question_in_welsh_on_a_plain_form(api: Any, client: FlaskClient) -> None:
    here = _at(api, "youth_sextortion", "cy")
    status, html = form_turn(
        client, {"token": here["token"], "say": "dwi wedi talu iddo fo yn barod ond mae o isio mwy"}
    )
    assert status == 200
    # the answer to "I already paid", in Welsh, with the step kept to carry on with
    assert "Paid â thalu" in html or "paid â thalu" in html, html
    assert 'value="resume"' in html and 'value="help_now"' in html
    status, html = form_turn(client, {"token": hidden_token(html), "choose": "resume"})
    assert status == 200 and 'value="one_step"' in html  # back at the step, its options offered


def test_ordinary_words_get_no_answer(app: Any) -> None:
    safety = app.extensions["safechat"]["engine"].safety
    for words in ("ok thanks", "it was on snapchat", "she is 14", "diolch"):
        assert safety.answer(words, "youth") is None, words


def test_nothing_fits_says_so_honestly_and_offers_help_now(api: Any) -> None:
    here = _at(api, "youth_pressure")
    _, turn = api({"token": here["token"], "say": "purple elephants dancing"})
    text = " ".join(m["text"] for m in turn["messages"])
    assert "can't chat like a person" in text and "0800 1111" in text
    assert "help_now" in [o["id"] for o in turn["options"]]


@pytest.mark.parametrize(
    ("flow", "locale", "who"),
    [
        ("parent_talk", "en", "0808 800 5000"),  # the NSPCC helpline, for adults worried about a child
        ("parent_talk", "cy", "0808 800 5000"),
        ("school_staff_first_response", "en", "0344 381 4772"),  # the professionals' helpline
        ("school_staff_first_response", "cy", "person diogelu dynodedig"),
    ],
)
def test_nothing_fits_names_the_person_who_can_help_adults(
    api: Any, flow: str, locale: str, who: str
) -> None:
    """Childline is for under-19s: a parent or a teacher whose words fit
    nothing is told where a person will talk it through with them."""
    _, here = api({"start": flow, "locale": locale})
    _, turn = api({"token": here["token"], "say": "purple elephants dancing"})
    text = " ".join(m["text"] for m in turn["messages"])
    assert who in text and "0800 1111" not in text
    assert "arnat ti" not in text  # in Welsh, "chi" to an adult
    assert "help_now" in [o["id"] for o in turn["options"]]


def test_a_young_person_is_never_offered_a_parents_or_school_conversation(app: Any) -> None:
    from app.safety.service import router_for

    engine = app.extensions["safechat"]["engine"]
    router = router_for(engine.flows)
    audience = {f.id: f.audience for f in engine.flows.values()}
    for words in (
        "what should i do",
        "he sent it to the group chat",
        "how do i report it",
        "help",
        "my mum found out",
    ):
        route = router.route(words, "youth")
        offered = [route.flow, *route.choices] if route.flow else list(route.choices)
        assert {audience[f] for f in offered if f} <= {"youth"}, (words, offered)
    # unless they say they are a parent
    assert (
        audience[router.route("my son is being blackmailed", "youth").flow or "youth_pressure"] == "parents"
    )


def test_in_chromium_the_answer_then_carry_on(live_server: Any, page: Any) -> None:
    from conftest import screenshot
    from test_browser_chat import choose, last_bot_text, open_chat, type_and_send

    open_chat(page, live_server.base)
    choose(page, "I'm under 18")
    choose(page, "Someone is threatening to share my nudes")
    type_and_send(page, "i already paid him 50 and he wants more")
    assert "don't pay" in last_bot_text(page).lower()
    assert page.get_by_role("button", name="Help now", exact=True).first.is_visible()
    screenshot(page, "chat-question-answered")
    choose(page, "Carry on where I was")
    assert page.get_by_role("button", name="One step at a time").is_visible()
