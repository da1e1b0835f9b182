"""The advice checker's rules from the reviews of the words against the published
guidance (GUIDANCE.md §1-§5, last re-checked 30 November 2026). Each rule is
shown catching the mistake the chat once made, letting the corrected words
through, and running inside `flask flows check` (check_all) on the real flows
and content."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from app.engine import Engine
from app.engine.checks import (
    Allowlist,
    advises_screenshots,
    check_all,
    check_corrected_facts,
    check_hours,
    check_labels_not_report_remove,
    check_not_called_report_remove,
    check_screenshot_caution,
    check_translations_keep_facts,
    check_urgent_help_first,
    is_sextortion_flow,
    stop_replying_problems,
    translated_facts_problems,
)
from app.engine.content import Message, blocks_of, render_markdown

ROOT = Path(__file__).resolve().parent.parent
SECRET = "r" * 32
CHILDLINE_RR = (
    "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/"
    "remove-nude-image-shared-online/"
)
RULES = ("without its hours", "never to screenshot", "Report Remove", "urgent help")


def message(body: str, mid: str = "youth.demo.words") -> Message:
    html, text = render_markdown(body, mid)
    return Message(mid, html, text, ("services",), dt.date(2026, 11, 30), None, blocks_of(body))


@pytest.fixture(scope="module")
def allow() -> Allowlist:
    return Allowlist.load(ROOT / "content" / "allowlist.yaml", "content/allowlist.yaml")


@pytest.fixture
def engine() -> Engine:
    return Engine(ROOT / "flows", ROOT / "content", SECRET)


def found(findings: list) -> list[str]:
    return [str(f) for f in findings]


# -- helplines with limited hours ------------------------------------------------------


def test_every_limited_hours_line_in_guidance_has_its_hours_in_the_allowlist(allow: Allowlist) -> None:
    # GUIDANCE.md §5: POSH and the Revenge Porn Helpline Mon–Fri 10am–4pm; NSPCC
    # phones Mon–Fri 8am–10pm, weekends 9am–6pm; Meic 8am–midnight every day.
    assert allow.hours == {
        "0344 381 4772": "Monday to Friday, 10am to 4pm",
        "0345 6000 459": "Monday to Friday, 10am to 4pm",
        "0808 800 5000": "Monday to Friday 8am to 10pm, weekends 9am to 6pm",
        "080880 23456": "8am to midnight, every day",
        "84001": "8am to midnight, every day",
    }


WITHOUT_HOURS = "is shown without its hours"
ALL_DAY = "is open all day (GUIDANCE §5) but is shown with opening times"


@pytest.mark.parametrize(
    ("body", "finding"),
    [
        ("Call the NSPCC helpline on [0808 800 5000](tel:08088005000).", WITHOUT_HOURS),  # the old words
        ("Call the Revenge Porn Helpline on 0345 6000 459.", WITHOUT_HOURS),
        ("- Professionals Online Safety Helpline: [0344 381 4772](tel:03443814772)", WITHOUT_HOURS),
        ("Meic: call [080880 23456](tel:08088023456) or text [84001](sms:84001).", WITHOUT_HOURS),
        # the hours on another line do not count: a reader takes the line that has the number
        (
            "NSPCC, Monday to Friday 8am to 10pm, weekends 9am to 6pm.\n\n- [0808 800 5000](tel:08088005000)",
            WITHOUT_HOURS,
        ),
        # nor do the wrong hours
        ("Call [0345 6000 459](tel:03456000459), Monday to Friday, 9am to 5pm.", WITHOUT_HOURS),
        # a line open all day is never shown with opening times
        ("Call **Samaritans** on [116 123](tel:116123), 9am to 5pm.", ALL_DAY),
        ("- **Childline**: [0800 1111](tel:08001111), Monday to Friday, 10am to 4pm", ALL_DAY),
        ("Text SHOUT to [85258](sms:85258) until midnight.", ALL_DAY),
    ],
)
def test_wrong_or_missing_opening_times_are_found(allow: Allowlist, body: str, finding: str) -> None:
    out = found(check_hours(message(body), "x.md", allow, "content/allowlist.yaml"))
    assert out and all(finding in f for f in out), out


@pytest.mark.parametrize(
    "body",
    [
        "Call [0808 800 5000](tel:08088005000), Monday to Friday 8am to 10pm, weekends 9am to 6pm.",
        "- Call [0345 6000 459](tel:03456000459), Monday to Friday, 10am to 4pm.",
        "Childline is open 24 hours: [0800 1111](tel:08001111). Samaritans: [116 123](tel:116123).",
        "NSPCC: [0808 800 5000](tel:08088005000) (Monday to Friday 8am to 10pm, weekends 9am to 6pm). "
        "To report a crime, call the police on [101](tel:101).",
    ],
)
def test_numbers_with_their_hours_or_open_all_day_pass(allow: Allowlist, body: str) -> None:
    assert check_hours(message(body), "x.md", allow, "content/allowlist.yaml") == []


# -- screenshots ------------------------------------------------------------------------


def test_screenshot_advice_without_the_caution_is_found() -> None:
    old_parents = (
        "You can take screenshots of the chat and the account details. "
        "**Never** copy or save the nude image itself."
    )
    for body in (old_parents, "Take screenshots of the chat. Get their username too."):
        assert found(check_screenshot_caution(message(body), "x.md")) == [
            "x.md: advises screenshots without saying never to screenshot the picture itself"
        ], body


def test_screenshot_advice_with_the_caution_passes() -> None:
    for body in (
        "Take screenshots of the chat. **Never screenshot, save or send the nude picture itself.**",
        "You can take screenshots of the chat. If the nude shows on screen, don't screenshot that part.",
    ):
        assert check_screenshot_caution(message(body), "x.md") == [], body


def test_not_screenshot_advice_at_all() -> None:
    assert advises_screenshots("Don't take screenshots of anything.") == []
    assert advises_screenshots("Did you take screenshots?") == []
    assert advises_screenshots("Never screenshot the picture.") == []
    assert advises_screenshots("Once you have your screenshots, stop replying.")


# -- our page is not Report Remove -------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        # the old words
        "Our Report Remove page can help you start. First it makes a fingerprint of your file.",
        "[Start Report Remove](/fingerprints) here.",
        "[Report Remove](/report-remove?lang=cy)",
        "Use this Report Remove tool on this phone.",
    ],
)
def test_calling_our_page_report_remove_is_found(body: str) -> None:
    assert check_not_called_report_remove(message(body), "x.md"), body


@pytest.mark.parametrize(
    "body",
    [
        f"**[Go to Report Remove on Childline]({CHILDLINE_RR})**.",
        "**Report Remove** is for anyone under 18 in the UK.",
        "[Make fingerprints on this phone](/fingerprints). This is not Report Remove.",
    ],
)
def test_naming_the_real_report_remove_passes(body: str) -> None:
    assert check_not_called_report_remove(message(body), "x.md") == [], body


def test_a_report_remove_button_to_our_page_alone_is_found(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert check_labels_not_report_remove(engine) == []
    flow = engine.flows["youth_image_shared"]
    # The old hand-off: the step "Take me straight to Report Remove" leads to
    # offers only our page (no link or button to Childline's Report Remove).
    only_ours = replace(flow.states["report_remove"], say=("youth.image_shared.fingerprints",), handoff=None)
    monkeypatch.setitem(flow.states, "report_remove", only_ours)  # type: ignore[index]
    out = found(check_labels_not_report_remove(engine))
    assert "flows/youth_image_shared.yaml: state 'not_your_fault'" in "\n".join(out)
    assert any("option 'straight' says Report Remove but leads to our fingerprint page" in f for f in out)


# -- urgent help first in a young person's sextortion flow -------------------------------


def test_urgent_help_is_offered_in_the_first_step(engine: Engine) -> None:
    assert check_urgent_help_first(engine) == []


def test_a_first_step_without_urgent_help_is_found(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    flow = engine.flows["youth_sextortion"]
    start = flow.states[flow.start]
    # The old first step: reassurance, no 999, Childline or Samaritans.
    monkeypatch.setitem(  # type: ignore[index]
        flow.states,
        flow.start,
        replace(start, say=("youth.sextortion.fake_images", "youth.sextortion.choose_pace")),
    )
    assert found(check_urgent_help_first(engine)) == [
        "flows/youth_sextortion.yaml: state 'not_your_fault': the first step of a sextortion flow must "
        "offer urgent help; missing 999, Childline, Samaritans",
        "flows/youth_sextortion.yaml: state 'not_your_fault': the first step of a sextortion flow must "
        "say this can be sorted out",
    ]


# -- all four run in `flask flows check`, and the real words pass -----------------------


def test_the_real_flows_and_words_pass_every_new_rule(engine: Engine) -> None:
    out = [f for f in found(check_all(engine, ROOT / "content")) if "warning:" not in f]
    assert out == []


def _content_with(tmp_path: Path, audience: str, bodies: dict[str, str]) -> Path:
    """A copy of the real content with extra files (name: body) under
    content/en/<audience>/extra, for the checker to find."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    bad = content / "en" / audience / "extra"
    bad.mkdir()
    for name, body in bodies.items():
        (bad / f"{name}.md").write_text(f"---\nsource: services\nreviewed: 2026-11-30\n---\n{body}\n")
    return content


def test_check_all_runs_every_new_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = _content_with(
        tmp_path,
        "youth",
        {
            "hours": "Call the NSPCC on [0808 800 5000](tel:08088005000).",
            "shots": "Take screenshots of the chat.",
            "ours": "Our Report Remove page can help.",
        },
    )
    engine = Engine(ROOT / "flows", content, SECRET)
    flow = engine.flows["youth_sextortion"]
    start = flow.states[flow.start]
    monkeypatch.setitem(flow.states, flow.start, replace(start, say=("youth.sextortion.choose_pace",)))  # type: ignore[index]
    out = "\n".join(found(check_all(engine, content)))
    assert "content/en/youth/extra/hours.md: '0808 800 5000' is shown without its hours" in out
    assert "content/en/youth/extra/shots.md: advises screenshots without saying never" in out
    assert "content/en/youth/extra/ours.md: calls our page Report Remove: 'our report remove'" in out
    assert "flows/youth_sextortion.yaml: state 'not_your_fault': the first step" in out


# -- the guidance audit of 30 November 2026 ----------------------------------------------
#
# Facts GUIDANCE.md corrected. Each test feeds a rule the old words (or the
# mistake the guidance names) and the words the chat says now.


def test_the_parents_sextortion_flow_is_held_to_urgent_help_first(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert {f.id for f in engine.flows.values() if is_sextortion_flow(f)} == {
        "youth_sextortion",
        "parent_child_targeted",
    }
    # The parents' first step before the audit: urgent help, but not "this can be sorted out".
    old_calm = (
        "First, take a breath. **Your child is not to blame.** The people who do this trick, groom and "
        "pressure children on purpose.\n\nIf your child is in danger right now, call [999](tel:999). Your "
        "child can also call Childline on [0800 1111](tel:08001111), and anyone can call Samaritans on "
        "[116 123](tel:116123), 24 hours a day."
    )
    monkeypatch.setitem(engine.messages, "parents.targeted.calm", message(old_calm, "parents.targeted.calm"))
    assert found(check_urgent_help_first(engine)) == [
        "flows/parent_child_targeted.yaml: state 'calm': the first step of a sextortion flow must "
        "say this can be sorted out"
    ]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("Most victims are boys aged 14 to 18.", "most victims are boys"),
        ("Sextortion mostly targets teenage boys.", "most victims are boys"),
        ("The majority of UK cases are boys.", "most victims are boys"),
        # the old words, and the mistake GUIDANCE §1 names
        ("**Take It Down** is for sites outside the UK.", "Take It Down to sites outside the UK"),
        ("Is the picture on a website outside the UK? Try Take It Down.", "Take It Down to sites outside"),
        ("You can report to CEOP anonymously.", "CEOP reports can be anonymous"),
        ("Reports to CEOP are anonymous, so no one will know.", "CEOP reports can be anonymous"),
        # the contacts list before the audit: a link to CEOP, not a word about anonymity
        (
            "- [CEOP Safety Centre](https://www.ceop.police.uk/Safety-Centre/).",
            "without saying reports are not",
        ),
        ("To use Report Remove you need ID.", "Report Remove needs ID"),
        ("Report Remove: you must prove your age with Yoti first.", "Report Remove needs ID"),
    ],
)
def test_a_corrected_fact_said_the_old_way_is_found(body: str, says: str) -> None:
    out = found(check_corrected_facts(message(body), "x.md"))
    assert out and says in "\n".join(out), out


@pytest.mark.parametrize(
    "body",
    [
        "- A large share of UK cases are boys aged 14 to 18. But all ages and genders are targeted.",
        "Not most: a large share of cases are boys.",
        "**Take It Down** is for nude pictures taken when you were under 18, in any country.",
        "Report it to the [CEOP Safety Centre](https://www.ceop.police.uk/Safety-Centre/). It is not "
        "anonymous: someone from CEOP will get in touch.",
        "It is not possible to report to CEOP anonymously.",
        "You can't report to CEOP without giving your details. See the "
        "[CEOP Safety Centre](https://www.ceop.police.uk/Safety-Centre/).",
        "Report Remove: you can show ID with an app called Yoti, but you don't have to.",
        "Report Remove: showing ID (with the Yoti app) is optional.",
        "You don't have to prove your age to anyone here.",
    ],
)
def test_the_corrected_facts_pass(body: str) -> None:
    assert check_corrected_facts(message(body), "x.md") == [], body


@pytest.mark.parametrize(
    "body",
    [
        # youth.questions.blocking before the audit: evidence first, no "stop replying"
        "**Yes, you can block them. First, keep the proof:** don't delete the chat, and write down their "
        "username and the app.",
        # youth.questions.delete_account before the audit: evidence before stop replying
        "**Don't delete your account or the chat yet.** The messages are proof.\n\nYou can stop replying "
        "right now.",
        "- Don't delete anything.\n- Stop replying.",
        "Keep the messages, then block the account.",
    ],
)
def test_evidence_before_stop_replying_is_found(body: str) -> None:
    assert stop_replying_problems(body), body


@pytest.mark.parametrize(
    "body",
    [
        "**Yes, you can block them. First, stop replying. Then keep the proof:** don't delete the chat.",
        "- **Stop replying.** You don't need to reply to keep the proof.\n- **Don't delete anything.**",
        "**Stop replying, but don't delete your account or the chat yet.**",
        "Don't reply to them, and don't pay.",
        "Keep the evidence and don't delete anything, as the police may need it.",
        "Report the account on the app, then block it.",
    ],
)
def test_stop_replying_first_passes(body: str) -> None:
    assert stop_replying_problems(body) == [], body


def test_a_translation_with_a_wrong_number_hours_or_link_is_found() -> None:
    en = "Call [0808 800 5000](tel:08088005000), Monday to Friday 8am to 10pm, weekends 9am to 6pm."
    good = (
        "Ffoniwch [0808 800 5000](tel:08088005000), dydd Llun i ddydd Gwener 8am tan 10pm, "
        "penwythnosau 9am tan 6pm."
    )
    assert translated_facts_problems(en, good) == []
    wrong_hours = good.replace("8am tan 10pm", "9am tan 10pm")
    assert translated_facts_problems(en, wrong_hours) == ["numbers or hours differ from the English: ['8am']"]
    wrong_link = good.replace("tel:08088005000", "tel:08088005001")
    assert "links differ from the English" in translated_facts_problems(en, wrong_link)[0]
    wrong_number = good.replace("[0808 800 5000]", "[0808 800 5001]")
    assert translated_facts_problems(en, wrong_number)
    # our own pages may carry ?lang= in a translation
    assert translated_facts_problems("[page](/fingerprints)", "[tudalen](/fingerprints?lang=cy)") == []


def test_the_welsh_catalog_keeps_every_number_hour_and_link() -> None:
    assert check_translations_keep_facts(ROOT / "locales") == []


def test_the_catalog_check_names_the_catalog(tmp_path: Path) -> None:
    po = tmp_path / "locales" / "cy" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Meic: call [080880 23456](tel:08088023456), 8am to midnight, every day."\n'
        'msgstr "Meic: ffonia [080880 23456](tel:08088023456), 9am tan hanner nos, bob dydd."\n',
        encoding="utf-8",
    )
    out = found(check_translations_keep_facts(tmp_path / "locales"))
    assert out == [
        "locales/cy/LC_MESSAGES/messages.po: 'Meic: call [080880 23456](tel:08088023456), 8am to midnight,': "
        "numbers or hours differ from the English: ['8am', '9am']"
    ]


# GUIDANCE.md §5, as the allowlist must write and dial them: a wrong digit here
# would pass every other check.
GUIDANCE_NUMBERS = {
    "999": "999",
    "101": "101",
    "0800 1111": "08001111",
    "080880 23456": "08088023456",
    "84001": "84001",
    "0808 800 5000": "08088005000",
    "116 123": "116123",
    "85258": "85258",
    "0344 381 4772": "03443814772",
    "0345 6000 459": "03456000459",
    "111": "111",
}


def test_the_allowlist_has_exactly_the_numbers_in_guidance() -> None:
    import yaml

    raw = yaml.safe_load((ROOT / "content" / "allowlist.yaml").read_text(encoding="utf-8"))
    dialled = {p["written"]: str(p.get("tel") or p.get("sms")) for p in raw["phones"]}
    assert dialled == GUIDANCE_NUMBERS


def test_check_all_runs_the_audits_rules(tmp_path: Path) -> None:
    content = _content_with(
        tmp_path,
        "parents",
        {
            "boys": "Most victims are boys aged 14 to 18.",
            "tid": "Take It Down is for sites outside the UK.",
            "order": "Don't delete anything. Then stop replying.",
        },
    )
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales)
    po = locales / "cy" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text(encoding="utf-8").replace("(tel:116123)", "(tel:116124)", 1), encoding="utf-8")
    engine = Engine(ROOT / "flows", content, SECRET)
    out = "\n".join(found(check_all(engine, content, locales_dir=locales)))
    assert "content/en/parents/extra/boys.md: says most victims are boys" in out
    assert "content/en/parents/extra/tid.md: ties Take It Down to sites outside the UK" in out
    assert "content/en/parents/extra/order.md: says to keep evidence before saying to stop replying" in out
    assert "locales/cy/LC_MESSAGES/messages.po: " in out and "links differ from the English" in out
