"""The crisis model: a backstop for the patterns in crisis.yaml.

Patterns catch what someone thought to write down; a blind set of fresh
phrasings showed they miss many new ways of saying the same thing (README,
Writing a flow). This model learns word and letter sequences from labelled
messages (crisis_examples.tsv beside this file, plus the flows' routing
phrases as ordinary messages) and flags a message the patterns let through
when its probability of being a crisis reaches THRESHOLD.

scikit-learn fits it when the app starts (a quarter of a second, the same
weights in every process: the solver is deterministic); nothing is
downloaded or unpickled. Scoring then reads the fitted weights from plain
dicts, because scikit-learn's own predict costs ~2 ms a message and this
runs inside the server's one event loop.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

EXAMPLES = Path(__file__).with_name("crisis_examples.tsv")
# Regularisation and cut-off chosen by 5-fold cross-validation on the
# examples (bench/bench_safety.py prints the held-out result): at 0.6 the
# model added 80% recall on crisis messages while flagging 5.7% of ordinary
# ones, and 2 of the flows' 191 routing phrases.
C = 4.0
THRESHOLD = 0.6

Analyzer = Callable[[str], list[str]]


def read_examples(path: Path = EXAMPLES) -> tuple[list[str], list[str]]:
    """(crisis messages, ordinary messages) from a label<TAB>text file."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r["text"] for r in rows if r["label"] == "crisis"], [
        r["text"] for r in rows if r["label"] == "ok"
    ]


def vectorizers() -> FeatureUnion:
    """Word uni- and bigrams, and letter 3- to 5-grams inside words (which
    survive misspellings), each weighted tf-idf and scaled to length 1."""
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
            ("letters", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)),
        ]
    )


class CrisisModel:
    def __init__(self, crisis: Iterable[str], ordinary: Iterable[str], threshold: float = THRESHOLD):
        """`crisis` and `ordinary` are normalised texts (app.safety.text)."""
        crisis, ordinary = list(crisis), list(ordinary)
        features = vectorizers()
        x = features.fit_transform(crisis + ordinary)
        fitted = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
        fitted.fit(x, [1] * len(crisis) + [0] * len(ordinary))
        self.threshold = threshold
        self.intercept = float(fitted.intercept_[0])
        weights = fitted.coef_[0]
        self.parts: list[tuple[Analyzer, dict[str, tuple[float, float]]]] = []
        offset = 0
        for _name, vec in features.transformer_list:
            # term -> (idf, weight): all a fitted tf-idf + linear model uses
            table = {
                term: (float(vec.idf_[i]), float(weights[offset + i])) for term, i in vec.vocabulary_.items()
            }
            self.parts.append((vec.build_analyzer(), table))
            offset += len(vec.vocabulary_)

    def probability(self, text: str) -> float:
        """P(crisis) for a normalised text, as scikit-learn's predict_proba
        computes it: per part, Σ weight·tfidf over the text's known terms,
        with tf = 1 + ln(count) and the tf-idf vector scaled to length 1."""
        z = self.intercept
        for analyze, table in self.parts:
            counts = Counter(term for term in analyze(text) if term in table)
            if not counts:
                continue
            values = [((1 + math.log(n)) * table[term][0], table[term][1]) for term, n in counts.items()]
            length = math.sqrt(sum(v * v for v, _ in values))
            z += sum(v * w for v, w in values) / length
        return 1 / (1 + math.exp(-z))

    def flags(self, text: str) -> bool:
        return self.probability(text) >= self.threshold
