"""The advice checker's rules from the review of the words against the published
guidance (GUIDANCE.md §1, §4, §5). Each rule is shown catching the mistake the
chat once made, letting the corrected words through, and running inside
`flask flows check` (check_all) on the real flows and content."""

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
    check_hours,
    check_labels_not_report_remove,
    check_not_called_report_remove,
    check_screenshot_caution,
    check_urgent_help_first,
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


@pytest.mark.parametrize(
    "body",
    [
        "Call the NSPCC helpline on [0808 800 5000](tel:08088005000).",  # the old words
        "Call the Revenge Porn Helpline on 0345 6000 459.",
        "- Professionals Online Safety Helpline: [0344 381 4772](tel:03443814772)",
        "Meic: call [080880 23456](tel:08088023456) or text [84001](sms:84001).",
        # the hours on another line do not count: a reader takes the line that has the number
        "NSPCC, Monday to Friday 8am to 10pm, weekends 9am to 6pm.\n\n- [0808 800 5000](tel:08088005000)",
        # nor do the wrong hours
        "Call [0345 6000 459](tel:03456000459), Monday to Friday, 9am to 5pm.",
    ],
)
def test_a_limited_hours_number_without_its_hours_is_found(allow: Allowlist, body: str) -> None:
    out = found(check_hours(message(body), "x.md", allow, "content/allowlist.yaml"))
    assert out and all("is shown without its hours" in f for f in out), out


@pytest.mark.parametrize(
    "body",
    [
        "Call [0808 800 5000](tel:08088005000), Monday to Friday 8am to 10pm, weekends 9am to 6pm.",
        "- Call [0345 6000 459](tel:03456000459), Monday to Friday, 10am to 4pm.",
        "Childline is open 24 hours: [0800 1111](tel:08001111). Samaritans: [116 123](tel:116123).",
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
        "offer urgent help; missing 999, Childline, Samaritans"
    ]


# -- all four run in `flask flows check`, and the real words pass -----------------------


def test_the_real_flows_and_words_pass_every_new_rule(engine: Engine) -> None:
    out = [f for f in found(check_all(engine, ROOT / "content")) if "warning:" not in f]
    assert out == []


def test_check_all_runs_every_new_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    bad = content / "en" / "youth" / "extra"
    bad.mkdir()
    for name, body in {
        "hours": "Call the NSPCC on [0808 800 5000](tel:08088005000).",
        "shots": "Take screenshots of the chat.",
        "ours": "Our Report Remove page can help.",
    }.items():
        (bad / f"{name}.md").write_text(f"---\nsource: services\nreviewed: 2026-11-30\n---\n{body}\n")
    engine = Engine(ROOT / "flows", content, SECRET)
    flow = engine.flows["youth_sextortion"]
    start = flow.states[flow.start]
    monkeypatch.setitem(flow.states, flow.start, replace(start, say=("youth.sextortion.choose_pace",)))  # type: ignore[index]
    out = "\n".join(found(check_all(engine, content)))
    assert "content/en/youth/extra/hours.md: '0808 800 5000' is shown without its hours" in out
    assert "content/en/youth/extra/shots.md: advises screenshots without saying never" in out
    assert "content/en/youth/extra/ours.md: calls our page Report Remove: 'our report remove'" in out
    assert "flows/youth_sextortion.yaml: state 'not_your_fault': the first step" in out
