"""Measure crisis detection and free-text routing on the labelled corpora.

    python -m bench.bench_safety [-v]     (-v lists every miss)

Prints crisis recall / false alarms, by the patterns alone and with the
crisis model as the app runs it, on app/safety/crisis_examples.tsv (the
patterns were written against it and the model fitted on it: in-sample),
then on
tests/data/crisis_heldout.tsv: 240 messages written blind to the patterns,
which the patterns are never tuned against (read its misses and it stops
measuring anything: write a fresh set instead). Then routing top-1 on
tests/data/routing.tsv and the held-out routing sets, per language, and the
share of held-out mid-conversation questions answered.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from app.engine import Engine
from app.i18n import Catalogs
from app.safety.crisis import CARD, DEFAULT_PATH, CrisisDetector
from app.safety.model import TRAINING, read_rows
from app.safety.service import SafetyService

from .bench_engine import percentile

ROOT = Path(__file__).resolve().parent.parent

DATA = ROOT / "tests" / "data"
TRAINING_FILES = sorted(TRAINING.glob("*.tsv"))
# Sets written by people who never saw the patterns, examples or model,
# measured as they are (tests/data/README.md says who wrote each and when).
HELD_OUT = sorted(p.name for p in DATA.glob("crisis_heldout*.tsv"))
ROUTING_HELD_OUT = sorted(p.name for p in DATA.glob("routing_heldout*.tsv"))
QUESTIONS_HELD_OUT = sorted(p.name for p in DATA.glob("questions_heldout*.tsv"))


def _tsv(name: str) -> list[dict[str, str]]:
    return read_rows(DATA / name if "/" not in name else ROOT / name)


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}% ({n}/{d})" if d else "n/a (0/0)"


def _lang(row: dict[str, str]) -> str:
    """English, or Welsh (Welsh and Welsh mixed with English, as typed in
    the Welsh interface): the two languages the issue measures apart."""
    return "en" if row.get("lang", "en") == "en" else "cy"


def crisis_lines(name: str, detector: CrisisDetector, label: str, verbose: bool = False) -> None:
    """Recall (card or question) and false alarms (card or question), per
    language, with how many of each were the card itself; ordinary first
    messages (`kind` first) apart from the hard non-crises."""
    rows = _tsv(name)
    for lang in ("en", "cy"):
        mine = [r for r in rows if _lang(r) == lang]
        if not mine:
            continue
        levels = {r["text"]: detector.check(r["text"]) for r in mine}
        crisis = [r["text"] for r in mine if r["label"] == "crisis"]
        caught = [t for t in crisis if levels[t]]
        cards = sum(levels[t] == CARD for t in crisis)
        parts = [f"caught {_pct(len(caught), len(crisis))} (card {cards}, asked {len(caught) - cards})"]
        for kind in ("hard", "first"):
            ok = [r["text"] for r in mine if r["label"] == "ok" and r.get("kind", "hard") == kind]
            if not ok:
                continue
            alarms = [t for t in ok if levels[t]]
            card_alarms = sum(levels[t] == CARD for t in alarms)
            what = "false alarms" if kind == "hard" else "ordinary first messages flagged"
            parts.append(
                f"{what} {_pct(len(alarms), len(ok))} (card {card_alarms}, asked {len(alarms) - card_alarms})"
            )
            if verbose:
                for t in alarms:
                    print("  ALARM: ", levels[t], t, detector.matches(t))
        print(f"{name} [{lang}] ({label}): " + "; ".join(parts))
        if verbose:
            for t in crisis:
                if not levels[t]:
                    print("  MISSED:", t)


def timing(what: str, act: Callable[[str], object], texts: list[str]) -> None:
    """Time to act on one message, as the server does, over ordinary and
    crisis messages of every length in the corpora."""
    times = []
    for t in texts:
        t0 = time.perf_counter()
        act(t)
        times.append(time.perf_counter() - t0)
    times.sort()
    print(
        f"{what} per message ({len(times)} messages): median {percentile(times, 0.5) * 1e3:.2f} ms, "
        f"p99 {percentile(times, 0.99) * 1e3:.2f} ms, max {times[-1] * 1e3:.2f} ms"
    )


def main(verbose: bool = False) -> None:
    engine = Engine(ROOT / "flows", ROOT / "content", "b" * 40)
    flows = engine.flows
    catalogs = Catalogs(ROOT / "locales")
    # patterns + model, as the app runs them
    service = SafetyService.for_flows(flows, catalogs.gettext, catalogs.locales, set(engine.messages))
    as_app = service.detector
    patterns = CrisisDetector.from_file(DEFAULT_PATH)
    # In-sample: the patterns were written against the first file and the
    # model fitted on all of them.
    for name in (
        "app/safety/crisis_examples.tsv",
        *(f"app/safety/training/{p.name}" for p in TRAINING_FILES),
    ):
        crisis_lines(name, as_app, "in-sample", verbose)
    # Held out: written blind, never tuned against, misses never listed.
    for name in HELD_OUT:  # never verbose: their misses are not for reading
        crisis_lines(name, patterns, "patterns alone")
        crisis_lines(name, as_app, "patterns + model")
    routed = _tsv("routing.tsv")
    flagged = [r["text"] for r in routed if as_app.check(r["text"])]
    print(f"ordinary first messages (routing.tsv) flagged: {_pct(len(flagged), len(routed))}")
    if verbose:
        for t in flagged:
            print("  FLAGGED:", t)
    everything = [r["text"] for name in HELD_OUT for r in _tsv(name)] + [r["text"] for r in routed]
    timing("crisis check", as_app.check, everything)
    timing("routing", lambda t: service.route(t, None), everything)

    for name in ("routing.tsv", *ROUTING_HELD_OUT):
        routing_lines(name, service, verbose and name == "routing.tsv")
    for name in QUESTIONS_HELD_OUT:
        question_lines(name, service)


def routing_lines(name: str, service: SafetyService, verbose: bool = False) -> None:
    """First messages, no audience chosen yet (as at the welcome): the flow
    ranked first, and how often a wrong flow was started at once."""
    rows = _tsv(name)
    for lang in ("en", "cy"):
        mine = [r for r in rows if _lang(r) == lang]
        if not mine:
            continue
        right = started = wrong = 0
        for r in mine:
            result = service.route(r["text"], None)
            best = result.flow or (result.choices[0] if result.choices else None)
            right += best == r["flow"]
            started += result.flow is not None
            wrong += result.flow is not None and result.flow != r["flow"]
            if verbose and best != r["flow"]:
                print(f"  ROUTE: {r['flow']} -> {best}: {r['text']}")
        print(
            f"{name} [{lang}] routing top-1 {_pct(right, len(mine))}; "
            f"started at once {_pct(started, len(mine))}, "
            f"a wrong flow started at once {_pct(wrong, len(mine))}"
        )


def question_lines(name: str, service: SafetyService) -> None:
    """Questions typed mid-conversation: answered with the right answer, a
    wrong one, and ordinary messages answered when they asked nothing."""
    rows = _tsv(name)
    for lang in ("en", "cy"):
        mine = [r for r in rows if _lang(r) == lang]
        asked = [r for r in mine if r["topic"] != "none"]
        ordinary = [r for r in mine if r["topic"] == "none"]
        got = [(r, service.answer(r["text"], r["audience"])) for r in asked]
        right = sum(a == f"{r['audience']}.questions.{r['topic']}" for r, a in got)
        wrong = sum(a is not None and a != f"{r['audience']}.questions.{r['topic']}" for r, a in got)
        answered = sum(service.answer(r["text"], r["audience"]) is not None for r in ordinary)
        print(
            f"{name} [{lang}] questions answered right {_pct(right, len(asked))}, "
            f"wrong answer {_pct(wrong, len(asked))}; "
            f"ordinary messages answered {_pct(answered, len(ordinary))}"
        )


if __name__ == "__main__":
    main("-v" in sys.argv[1:])
