"""Cross-validate the crisis detector as the app runs it: `make cv`.

    python -m bench.cv_crisis [ask_at=0.3] [card_at=0.85] ...

The labelled examples (app/safety/crisis_examples.tsv and training/) are
split into five parts, each with its share of every language and label. For
each part the model is fitted on the other four, with the flows' ordinary
messages as the app adds them, and the patterns and that model decide every
message of the part left out, by the rule the app serves (cut-offs from
app/safety/model.py, or as given on the command line). Prints, per language,
the crises caught and the ordinary messages interrupted, and how many of
each were the card. This is how the cut-offs were chosen: held-out sets
(tests/data) are never read here, so choosing by these figures cannot tune
against them. It takes a few minutes: five fits, and the patterns over every
message.
"""

from __future__ import annotations

import random
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from app.engine import Engine
from app.i18n import Catalogs
from app.safety.crisis import CARD, DEFAULT_PATH, CrisisDetector
from app.safety.model import CrisisModel, example_files, fit, read_rows
from app.safety.service import ordinary_messages

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 5


def labelled() -> list[dict[str, str]]:
    """Every labelled example, with its language ("en" when a file has no
    `lang` column; Welsh mixed with English counts as Welsh)."""
    rows = [r for path in example_files() for r in read_rows(path)]
    return [dict(r, lang="en" if r.get("lang", "en") == "en" else "cy") for r in rows]


def folds(rows: Sequence[dict[str, str]], k: int = FOLDS, seed: int = 0) -> list[int]:
    """The part (0..k-1) each row is left out in: within each language and
    label, the rows in a seeded shuffle, dealt round in turn."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        groups[r["lang"], r["label"]].append(i)
    part = [0] * len(rows)
    shuffle = random.Random(seed).shuffle
    for members in groups.values():
        shuffle(members)
        for n, i in enumerate(members):
            part[i] = n % k
    return part


def cross_validate(
    rows: Sequence[dict[str, str]], ordinary: Sequence[str] = (), k: int = FOLDS, **cutoffs: float
) -> dict[str, Counter[str]]:
    """Per language, counts of crisis / caught / crisis_card and ok /
    interrupted / ok_card, each row decided once, by a model that never
    saw it."""
    patterns = CrisisDetector.from_file(DEFAULT_PATH)
    examples = patterns.examples(r["text"] for r in rows)
    extra = patterns.harmless(ordinary)
    part = folds(rows, k)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for left_out in range(k):
        kept = [i for i in range(len(rows)) if part[i] != left_out]
        tables = fit(
            [examples[i] for i in kept if rows[i]["label"] == "crisis"],
            [examples[i] for i in kept if rows[i]["label"] != "crisis"] + extra,
        )
        detector = CrisisDetector.from_file(DEFAULT_PATH, CrisisModel(tables, **cutoffs))
        for i in range(len(rows)):
            if part[i] != left_out:
                continue
            level = detector.check(rows[i]["text"])
            kind = "crisis" if rows[i]["label"] == "crisis" else "ok"
            count = counts[rows[i]["lang"]]
            count[kind] += 1
            count[f"{kind}_flagged"] += level is not None
            count[f"{kind}_card"] += level == CARD
    return dict(counts)


def main() -> None:
    cutoffs = {key: float(value) for key, value in (arg.split("=", 1) for arg in sys.argv[1:])}
    engine = Engine(ROOT / "flows", ROOT / "content", "b" * 40)
    catalogs = Catalogs(ROOT / "locales")
    rows = labelled()
    ordinary = ordinary_messages(engine.flows, catalogs.gettext, catalogs.locales)
    counts = cross_validate(rows, ordinary, **cutoffs)
    print(f"crisis detection, {FOLDS}-fold cross-validation on {len(rows)} examples", cutoffs or "")
    for lang, c in sorted(counts.items()):
        print(
            f"[{lang}] caught {c['crisis_flagged'] / c['crisis']:.1%} ({c['crisis_flagged']}/{c['crisis']},"
            f" card {c['crisis_card']}); ordinary interrupted {c['ok_flagged'] / c['ok']:.1%}"
            f" ({c['ok_flagged']}/{c['ok']}, card {c['ok_card']})"
        )


if __name__ == "__main__":
    main()
