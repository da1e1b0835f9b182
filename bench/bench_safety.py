"""Measure crisis detection and free-text routing on the labelled corpora.

    python -m bench.bench_safety [-v]     (-v lists every miss)

Prints crisis recall / false alarms, by the patterns alone and with the
crisis model as the app runs it, on app/safety/crisis_examples.tsv (the
patterns were written against it and the model fitted on it: in-sample),
then on
tests/data/crisis_heldout.tsv: 240 messages written blind to the patterns,
which the patterns are never tuned against (read its misses and it stops
measuring anything: write a fresh set instead). Then routing top-1 on
tests/data/routing.tsv, and how the confidence threshold behaves.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

from app.engine import Engine
from app.safety import routing
from app.safety.crisis import DEFAULT_PATH, CrisisDetector
from app.safety.service import SafetyService, router_for

ROOT = Path(__file__).resolve().parent.parent

DATA = ROOT / "tests" / "data"


def _tsv(name: str) -> list[dict[str, str]]:
    with (DATA / name if "/" not in name else ROOT / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}% ({n}/{d})" if d else "n/a (0/0)"


def crisis_line(name: str, label: str, detector: CrisisDetector, verbose: bool) -> None:
    rows = _tsv(name)
    crisis = [r["text"] for r in rows if r["label"] == "crisis"]
    ok = [r["text"] for r in rows if r["label"] == "ok"]
    t0 = time.perf_counter()
    missed = [t for t in crisis if not detector.is_crisis(t)]
    alarms = [t for t in ok if detector.is_crisis(t)]
    per_msg = (time.perf_counter() - t0) / len(rows) * 1e6
    print(
        f"{name} ({label}): crisis recall {_pct(len(crisis) - len(missed), len(crisis))}, "
        f"false alarms {_pct(len(alarms), len(ok))}  [{per_msg:.0f} µs/message]"
    )
    if verbose:
        for t in missed:
            print("  MISSED:", t)
        for t in alarms:
            print("  ALARM: ", t, detector.matches(t))


def main(verbose: bool = False) -> None:
    flows = Engine(ROOT / "flows", ROOT / "content", "b" * 40).flows
    as_app = SafetyService.for_flows(flows).detector  # patterns + model, as the app runs
    patterns = CrisisDetector.from_file(DEFAULT_PATH)
    for label, detector in (("patterns", patterns), ("patterns + model", as_app)):
        crisis_line("app/safety/crisis_examples.tsv", label, detector, verbose)
    for label, detector in (("patterns", patterns), ("patterns + model", as_app)):
        crisis_line("crisis_heldout.tsv", label, detector, verbose=False)  # never list its misses

    router = router_for(flows)  # what the app routes with
    routed = _tsv("routing.tsv")
    right = confident = confident_wrong = 0
    for r in routed:
        result = router.route(r["text"])  # as the app does, with no audience chosen yet
        best = result.flow or result.choices[0]
        right += best == r["flow"]
        confident += result.flow is not None
        confident_wrong += result.flow is not None and result.flow != r["flow"]
        if verbose and best != r["flow"]:
            print(f"  ROUTE: {r['flow']} -> {best}: {r['text']}")
    print(f"routing top-1: {_pct(right, len(routed))}")
    print(
        f"routing confident (score >= {routing.THRESHOLD:g}, margin >= {routing.MARGIN:g}): "
        f"{_pct(confident, len(routed))}, of which wrong: {_pct(confident_wrong, confident)}"
    )


if __name__ == "__main__":
    main("-v" in sys.argv[1:])
