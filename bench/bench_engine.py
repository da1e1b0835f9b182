"""Engine step time, in-process: median and p99 over many steps.

Targets (DESIGN.md): ≤ 50 µs median per step.
"""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

from app.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def main(n: int = 20000) -> dict[str, float]:
    engine = Engine(
        Path(os.environ.get("SAFECHAT_FLOWS_DIR", ROOT / "flows")),
        Path(os.environ.get("SAFECHAT_CONTENT_DIR", ROOT / "content")),
        "b" * 40,
    )
    start = engine.step(None, {})
    actions = [(start.token, "young_person"), (start.token, "parent"), (start.token, "school_staff")]
    for tok, choice in actions * 200:  # warm up
        engine.step(tok, {"choose": choice})
    times = []
    gc.disable()  # measure the step, not the collector's schedule
    try:
        for i in range(n):
            tok, choice = actions[i % 3]
            t0 = time.perf_counter()
            engine.step(tok, {"choose": choice})
            times.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    times.sort()
    median, p99 = percentile(times, 0.5) * 1e6, percentile(times, 0.99) * 1e6
    print(f"engine step: median {median:.1f} µs, p99 {p99:.1f} µs over {n} steps (target median ≤ 50 µs)")
    return {"step_median_us": median, "step_p99_us": p99}


if __name__ == "__main__":
    main()
