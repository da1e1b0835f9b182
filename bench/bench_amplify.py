"""What one typed message costs to check: an ordinary 1,000-character message
against the most amplifying ones (characters Unicode normalisation expands,
such as U+FDFA, 18 characters after NFKD), as the engine takes them.

    python -m bench.bench_amplify

Prints the median time of `Engine.act({"say": …})` (the typed-text bound,
the crisis check and routing) for each message, and the worst ratio to the
ordinary one. Issue 19, finding 1: no message may cost more than a few
times an ordinary one.
"""

from __future__ import annotations

import statistics
import sys
import time
import unicodedata
from collections.abc import Callable

from app import create_app
from app.engine.actions import MAX_SAY

ROUNDS = 15


def ordinary_message() -> str:
    """1,000 characters of plain English, as someone typing a long message might."""
    sentence = (
        "i met someone online and at first they were really nice to me, then they asked for pictures "
        "and now they say they will send them to my friends unless i pay them money by tonight. "
    )
    return (sentence * (MAX_SAY // len(sentence) + 1))[:MAX_SAY]


def most_expanding(top: int = 6) -> list[str]:
    """The characters whose NFKD form is longest, most first."""
    sizes = []
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        n = len(unicodedata.normalize("NFKD", ch))
        if n > 2:
            sizes.append((n, ch))
    return [ch for _, ch in sorted(sizes, reverse=True)[:top]]


def amplifying_messages() -> dict[str, str]:
    messages = {f"U+{ord(ch):04X} x 1000": ch * MAX_SAY for ch in most_expanding()}
    # Separated by spaces: one amplified word each, the most words per message.
    messages["U+FDFA+space x 500"] = "\ufdfa " * (MAX_SAY // 2)
    messages["U+FDFA + crisis words"] = ("\ufdfa" * (MAX_SAY - 30) + " i want to kill myself")[:MAX_SAY]
    return messages


def median_ms(work: Callable[[], object]) -> float:
    work()  # warm caches
    times = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "INSTANCE_DIR": tmp})
        engine = app.extensions["safechat"]["engine"]
        base = median_ms(lambda: engine.act({"say": ordinary_message()}))
        print(f"ordinary 1,000 characters: {base:.2f} ms")
        worst = 0.0
        for name, text in amplifying_messages().items():
            ms = median_ms(lambda text=text: engine.act({"say": text}))  # type: ignore[misc]
            nfkd = len(unicodedata.normalize("NFKD", text))
            worst = max(worst, ms / base)
            print(f"{name:28} NFKD {nfkd:>6,} chars: {ms:8.2f} ms  ({ms / base:.1f}x ordinary)")
        print(f"worst: {worst:.1f}x an ordinary message")


if __name__ == "__main__":
    main()
