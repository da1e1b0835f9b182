"""Welsh (cy): every string in use is translated, every state of every flow
reads in Welsh, and switching language keeps the conversation where it is."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from paths import Post, walk

from app.engine.translations import missing_translations

ROOT = Path(__file__).resolve().parent.parent

# Words that stay the same in Welsh: names of services and apps, and numbers.
# A message or label identical in both languages is allowed only if nothing
# else with letters is left once these are taken out.
NAMES = [
    # apps, offered as buttons in the parents' "Learn" step: brand names
    "Snapchat",
    "TikTok",
    "Instagram",
    "WhatsApp",
    "Discord",
    "Roblox",
    # services: proper names the catalog keeps as they are
    "Childline",
    "CEOP",
    "Report Remove",
    "Take It Down",
    "StopNCII.org",
    "NSPCC",
    "IWF",
]


def only_names(text: str) -> bool:
    for name in NAMES:
        text = text.replace(name, "")
    return not re.search(r"[^\W\d_]", text)


def engine(app: Flask) -> Any:
    return app.extensions["safechat"]["engine"]


def in_locale(api: Post, locale: str) -> Post:
    """The API, with every new conversation started in `locale`; after that
    the locale travels in the token."""

    def post(action: Any) -> tuple[int, dict[str, Any]]:
        if isinstance(action, dict) and "start" in action:
            action = {**action, "locale": locale}
        return api(action)

    return post


def seen(api: Post, flow: str, locale: str) -> tuple[dict[str, str], dict[tuple[str, str, str], str]]:
    """Every message (id → text) and option ((flow, state, id) → label) on every path."""
    messages: dict[str, str] = {}
    options: dict[tuple[str, str, str], str] = {}
    for path in walk(in_locale(api, locale), flow):
        for turn in path.turns:
            assert turn["locale"] == locale, (flow, path.choices)
            for m in turn["messages"]:
                messages[m["id"]] = m["text"]
            for o in turn["options"]:
                options[(turn["flow"], turn["state"], o["id"])] = o["label"]
    return messages, options


def test_every_string_in_use_is_translated() -> None:
    assert missing_translations(ROOT, ROOT / "locales") == []


def test_welsh_is_offered(app: Flask) -> None:
    catalogs = app.extensions["safechat"]["catalogs"]
    assert "cy" in catalogs.locales
    assert catalogs.names["cy"] == "Cymraeg"


@pytest.fixture(scope="module")
def flows(app: Flask) -> list[str]:
    return sorted(engine(app).flows)


def test_every_state_of_every_flow_reads_in_welsh(app: Flask, api: Post, flows: list[str]) -> None:
    assert flows
    untranslated: list[str] = []
    for flow in flows:
        en_msgs, en_opts = seen(api, flow, "en")
        cy_msgs, cy_opts = seen(api, flow, "cy")
        assert cy_msgs.keys() == en_msgs.keys(), flow
        assert cy_opts.keys() == en_opts.keys(), flow
        for mid, text in cy_msgs.items():
            assert text.strip(), (flow, mid)
            if text == en_msgs[mid] and not only_names(text):
                untranslated.append(f"{flow}: message {mid}: {text[:60]!r}")
        for key, label in cy_opts.items():
            assert label.strip(), key
            if label == en_opts[key] and not only_names(label):
                untranslated.append(f"{flow}: option {key}: {label!r}")
    assert untranslated == []


def test_help_now_and_problems_are_welsh(app: Flask) -> None:
    eng = engine(app)
    for mid, msg in eng.messages.items():
        en = eng.render(msg, "en")["text"]
        cy = eng.render(msg, "cy")["text"]
        assert cy != en or only_names(en), mid


def test_the_chat_page_in_welsh(client: FlaskClient) -> None:
    res = client.get("/chat?lang=cy")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert '<html lang="cy"' in html
    assert "Gadael y dudalen hon" in html  # Exit this page
    assert "Neidio i'r prif gynnwys" in html or "Neidio i&#39;r prif gynnwys" in html
    assert "Exit this page" not in html
    assert 'value="en"' in html and ">English<" in html  # the switch offers English


def test_switching_the_chat_page_back_to_english_keeps_the_state(client: FlaskClient, api: Post) -> None:
    status, turn = api({"start": "parent_talk", "locale": "cy"})
    assert status == 200 and turn["locale"] == "cy"
    own = [o for o in turn["options"] if not o.get("global")]
    status, turn = api({"token": turn["token"], "choose": own[0]["id"]})
    assert status == 200 and turn["locale"] == "cy"
    res = client.post("/chat", data={"token": turn["token"], "locale": "en"})
    assert res.status_code == 303  # post/redirect/get: no form to send again in history
    res = client.get(res.headers["Location"])
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Exit this page" in html and ">Cymraeg<" in html
    for m in turn["messages"]:
        assert f'data-id="{m["id"]}"' in html  # the same place in the conversation


def test_switching_language_keeps_the_conversation_where_it_is(api: Post) -> None:
    status, turn = api({"start": "parent_child_targeted"})
    assert status == 200 and turn["locale"] == "en"
    own = [o for o in turn["options"] if not o.get("global")]
    status, turn = api({"token": turn["token"], "choose": own[0]["id"]})
    assert status == 200
    where = (turn["flow"], turn["state"])
    en_options = [o["id"] for o in turn["options"]]

    status, cy = api({"token": turn["token"], "locale": "cy"})
    assert status == 200, cy
    assert (cy["flow"], cy["state"], cy["locale"]) == (*where, "cy")
    assert [o["id"] for o in cy["options"]] == en_options
    assert [m["id"] for m in cy["messages"]] == [m["id"] for m in turn["messages"]]
    assert [m["text"] for m in cy["messages"]] != [m["text"] for m in turn["messages"]]

    # Choosing an option still works, and the answer stays in Welsh.
    own = [o for o in cy["options"] if not o.get("global")]
    status, nxt = api({"token": cy["token"], "choose": own[0]["id"]})
    assert status == 200, nxt
    assert nxt["locale"] == "cy"
    assert (nxt["flow"], nxt["state"]) != where


def unknown_option(api: Post, with_locale: bool) -> dict[str, Any]:
    status, turn = api({"start": "youth_sextortion", "locale": "cy"})
    assert status == 200
    action = {"token": turn["token"], "choose": "no-such-option"}
    status, body = api({**action, "locale": "cy"} if with_locale else action)
    assert status == 400
    assert body["error"]["code"] == "unknown_option"
    return body


def test_problems_come_back_in_welsh(app: Flask, api: Post) -> None:
    english = engine(app).problem_for("unknown_option", "en")["error"]["message"]
    welsh = engine(app).problem_for("unknown_option", "cy")["error"]["message"]
    assert welsh != english and welsh.startswith("Sori")
    body = unknown_option(api, with_locale=True)
    assert body["error"]["message"] == welsh
    # Problems that offer a way out offer it in Welsh too.
    status, body = api({"token": "not-a-token", "choose": "x", "locale": "cy"})
    assert status == 400
    assert [o["label"] for o in body["error"]["options"]] == ["Dechrau eto"]


def test_problems_follow_the_conversations_locale(app: Flask, api: Post) -> None:
    welsh = engine(app).problem_for("unknown_option", "cy")["error"]["message"]
    assert unknown_option(api, with_locale=False)["error"]["message"] == welsh


def test_check_reports_missing_and_fuzzy_translations(tmp_path: Path) -> None:
    from babel.messages.pofile import read_po, write_po

    from app.engine.translations import missing_translations

    root = Path(__file__).resolve().parent.parent
    with (root / "locales/cy/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    catalog.delete("Help now")
    catalog["Back"].flags.add("fuzzy")
    out = tmp_path / "cy" / "LC_MESSAGES"
    out.mkdir(parents=True)
    with (out / "messages.po").open("wb") as f:
        write_po(f, catalog)
    problems = missing_translations(root, tmp_path)
    assert any("no translation for 'Help now'" in p for p in problems), problems
    assert any("fuzzy translation for 'Back'" in p for p in problems), problems
    assert len(problems) == 2
