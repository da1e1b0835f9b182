"""The crisis model: the second line after the patterns in crisis.yaml.

Patterns catch what someone thought to write down; blind sets of fresh
phrasings showed they miss many new ways of saying the same thing (README,
Crisis detection). This model learns word and letter sequences, and which
pattern groups fired, from labelled messages (crisis_examples.tsv and
training/ beside this file, plus the flows' phrases and option labels as
ordinary messages). It scores every message; crisis.py turns the score into
the card, the safety question or nothing with the cut-offs below.

scikit-learn fits it when the app starts, in a short-lived child process
(`python -m app.safety.model`, a second or so): importing scikit-learn and
SciPy would hold ~110 MB in every serving process for good, while the fitted
model is a few thousand weights. The solver is deterministic, so every
process gets the same weights; nothing is downloaded or unpickled. Scoring
reads the weights from plain dicts (scikit-learn's own predict also costs
~2 ms a message, inside the server's one event loop).
"""

from __future__ import annotations

import csv
import json
import math
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).with_name("crisis_examples.tsv")
# More labelled messages, in English and Welsh, that only the model learns
# from (the patterns need not catch these): see training/README.md.
TRAINING = Path(__file__).with_name("training")
# Regularisation and the three cut-offs, chosen by 5-fold cross-validation
# on the examples (6,000 messages, never a held-out set: bench/bench_safety.py
# measures those). At these values, per language, the patterns and the model
# together caught 96.4% (en) and 96.3% (cy) of crisis messages, 83% and 78%
# with the card itself and the rest with the question, and interrupted 12.9%
# and 15.6% of the ordinary ones, most of them written to look alarming (the
# card 3.8% and 3.6%).
C = 10.0
ASK_AT = 0.35  # P(crisis) from which the person is asked whether they are safe
CARD_AT = 0.8  # from which the crisis card is shown at once
HIT_CARD_AT = 0.6  # a pattern hit shows the card from here; below it, the person is asked
WORD_NGRAMS = (1, 2)  # words and pairs of words
LETTER_NGRAMS = (3, 5)  # 3 to 5 letters inside a word: these survive misspellings

# {"intercept": z0, "words": {term: [idf, weight]}, "letters": {...}, "groups": {group: weight}}
Tables = dict[str, Any]
Example = tuple[str, list[str]]  # a normalised text, and the pattern groups that fired on it


def read_rows(path: Path) -> list[dict[str, str]]:
    """A tab-separated file with a header naming at least `label` and `text`."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_examples(*paths: Path) -> tuple[list[str], list[str]]:
    """(crisis messages, ordinary messages) from label<TAB>text files: by
    default the patterns' examples and every file in training/."""
    rows = [r for p in (paths or (EXAMPLES, *sorted(TRAINING.glob("*.tsv")))) for r in read_rows(p)]
    crisis = [r["text"] for r in rows if r["label"] == "crisis"]
    return crisis, [r["text"] for r in rows if r["label"] == "ok"]


# The terms scikit-learn's TfidfVectorizer makes (analyzer "word" and
# "char_wb"), written out so serving needs no scikit-learn; a test checks
# every probability against scikit-learn's own.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # its default: words of two or more characters
_SPACES = re.compile(r"\s\s+")


def words(text: str) -> list[str]:
    tokens = _TOKEN.findall(text.lower())
    low, high = WORD_NGRAMS
    return [" ".join(tokens[i : i + n]) for n in range(low, high + 1) for i in range(len(tokens) - n + 1)]


def letters(text: str) -> list[str]:
    out = []
    low, high = LETTER_NGRAMS
    for word in _SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if n >= len(padded):  # a short word is one term, whatever the length asked for
                out.append(padded)
                break
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


ANALYZERS: dict[str, Callable[[str], list[str]]] = {"words": words, "letters": letters}


def fit(crisis: list[Example], ordinary: list[Example]) -> Tables:
    """Fits the model with scikit-learn (imported here only: see the module
    docstring) and returns its weights. Each example is a normalised text
    and the pattern groups that fired on it: a hit is one more feature (0
    or 1), so the model learns how far to trust each group (a self-harm
    word in a message about last year is not the same as one today)."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

    parts = [
        ("words", TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, sublinear_tf=True)),
        ("letters", TfidfVectorizer(analyzer="char_wb", ngram_range=LETTER_NGRAMS, sublinear_tf=True)),
    ]
    examples = crisis + ordinary
    names = sorted({g for _, groups in examples for g in groups})
    hits = csr_matrix(
        [[float(n in groups) for n in names] for _, groups in examples], shape=(len(examples), len(names))
    )
    x = hstack([FeatureUnion(parts).fit_transform([text for text, _ in examples]), hits]).tocsr()
    fitted = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    fitted.fit(x, [1] * len(crisis) + [0] * len(ordinary))
    weights, offset = fitted.coef_[0], 0
    tables: Tables = {"intercept": float(fitted.intercept_[0])}
    for name, vec in parts:
        tables[name] = {
            term: [float(vec.idf_[i]), float(weights[offset + i])] for term, i in vec.vocabulary_.items()
        }
        offset += len(vec.vocabulary_)
    tables["groups"] = {n: float(weights[offset + i]) for i, n in enumerate(names)}
    return tables


FIT_TIMEOUT = 120  # seconds; it takes one or two


class ModelError(RuntimeError):
    """The crisis model could not be fitted: the app must not start without it."""


def fit_elsewhere(crisis: list[Example], ordinary: list[Example]) -> Tables:
    """`fit` in a child process, so this one never imports scikit-learn.
    ModelError, saying why, if it fails."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app.safety.model"],
            input=json.dumps({"crisis": crisis, "ordinary": ordinary}),
            capture_output=True,
            text=True,
            check=False,
            timeout=FIT_TIMEOUT,
            cwd=Path(__file__).resolve().parents[2],
        )
    except subprocess.TimeoutExpired as exc:
        raise ModelError(f"fitting the crisis model took over {FIT_TIMEOUT} s") from exc
    if done.returncode != 0:
        raise ModelError(f"fitting the crisis model failed:\n{done.stderr[-2000:]}")
    try:
        tables = json.loads(done.stdout)
        float(tables["intercept"])
        if not all(isinstance(tables[name], dict) and tables[name] for name in ANALYZERS):
            raise ValueError("empty term table")
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"the crisis model came back unreadable: {exc}") from exc
    return tables  # type: ignore[no-any-return]


class CrisisModel:
    def __init__(
        self,
        tables: Tables,
        ask_at: float = ASK_AT,
        card_at: float = CARD_AT,
        hit_card_at: float = HIT_CARD_AT,
    ):
        self.tables = tables
        self.ask_at = ask_at
        self.card_at = card_at
        self.hit_card_at = hit_card_at

    @classmethod
    def fitted(cls, crisis: Iterable[Example], ordinary: Iterable[Example]) -> CrisisModel:
        """From normalised texts (app.safety.text), each with the pattern
        groups that fired on it."""
        return cls(fit_elsewhere(list(crisis), list(ordinary)))

    def probability(self, text: str, groups: Iterable[str] = ()) -> float:
        """P(crisis) for a normalised text on which `groups` fired, as
        scikit-learn's predict_proba computes it: per part, Σ weight·tfidf
        over the text's known terms, with tf = 1 + ln(count) and the tf-idf
        vector scaled to length 1; plus the weight of each group."""
        z = float(self.tables["intercept"])
        z += sum(self.tables["groups"].get(g, 0.0) for g in groups)
        for name, analyze in ANALYZERS.items():
            table = self.tables[name]
            counts = Counter(term for term in analyze(text) if term in table)
            if not counts:
                continue
            values = [((1 + math.log(n)) * table[term][0], table[term][1]) for term, n in counts.items()]
            length = math.sqrt(sum(v * v for v, _ in values))
            z += sum(v * w for v, w in values) / length
        return 1 / (1 + math.exp(-max(-500.0, min(500.0, z))))


if __name__ == "__main__":  # fit_elsewhere's child: examples in on stdin, weights out on stdout
    given = json.load(sys.stdin)
    json.dump(fit([tuple(e) for e in given["crisis"]], [tuple(e) for e in given["ordinary"]]), sys.stdout)
