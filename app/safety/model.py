"""Text models: the crisis model, the second line after the patterns in
crisis.yaml, and the routing model, which reads a first message for the
conversation it wants.

Patterns catch what someone thought to write down; blind sets of fresh
phrasings showed they miss many new ways of saying the same thing (README,
Crisis detection). The crisis model learns word and letter sequences, and
which pattern groups fired, from labelled messages (crisis_examples.tsv and
training/ beside this file, plus the flows' phrases and option labels as
ordinary messages). It scores every message; crisis.py turns the score into
the card, the safety question or nothing with the cut-offs below. The
routing model learns the same kind of sequences from first messages
labelled with their conversation (routing.py blends it with its string
matching).

scikit-learn fits both when the app starts, in a short-lived child process
(`python -m app.safety.model`, a second or so): importing scikit-learn and
SciPy would hold ~110 MB in every serving process for good, while a fitted
model is a few thousand weights. The solver is deterministic, so every
process gets the same weights; nothing is downloaded or unpickled. Scoring
reads the weights from plain dicts (scikit-learn's own predict also costs
~2 ms a message, inside the server's one event loop).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
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
# Regularisation and the cut-offs, chosen by 5-fold cross-validation on the
# examples (never a held-out set: bench/bench_safety.py measures those).
# ASK_AT was chosen again for the scaled model; CARD_AT (against 0.85 and
# 0.9) and OVERRULE_BELOW (against 0.1) were checked again on it and kept;
# C = 30 and 100 were no better. On the 21,100 examples of 30 November 2026
# (12,727 English, 8,373 Welsh; plus the flow phrases, labels and typed
# first messages and questions as ordinary), with the rules for short and
# long messages below, the patterns and the model (its features scaled by
# `ratio_scale`) caught 96.5% (en) and 97.1% (cy) of crisis messages and
# interrupted 4.3% and 5.2% of the ordinary ones, most of them written to
# look alarming (the card alone 1.3% and 1.2%). Unscaled, asking from 0.35,
# the same folds gave 96.8% and 96.6% caught, 5.9% and 7.0% interrupted.
# The scaled model's probabilities sit nearer 0 and 1, so it asks from lower
# down: asking from 0.25 would interrupt 4.1% and 4.9% but catch 96.3% and
# 96.7%, and a miss costs more than a question. `make cv` measures this
# again (bench/cv_crisis.py).
C = 10.0
ASK_AT = 0.22  # P(crisis) from which the person is asked whether they are safe
CARD_AT = 0.8  # from which the crisis card is shown at once
HIT_CARD_AT = 0.6  # a pattern hit shows the card from here; below it, the person is asked
# A message of fewer than SHORT_MESSAGE words is little more than its pattern
# hit ("dw i eisiau lladd fy hun"): the hit stands as its group says, card or
# question, whatever the model makes of so few words. In a longer message the
# model has read the rest: a hit it scores below OVERRULE_BELOW is ignored
# (a teacher planning a lesson on a novel about suicide), and a card-level
# hit it doubts (below HIT_CARD_AT) asks instead. By 5-fold cross-validation
# on 7,100 messages overruling lost no crisis and spared 3.5 (English) and
# 3.1 (Welsh) in a hundred ordinary messages the question; at 0.3 it lost
# two; with no length limit it lost "im in danger". On 21,100 with the
# scaled model, overruling only below 0.1 would catch 96.7% and 97.1% and
# interrupt 4.9% and 5.9% (against 96.5%, 97.1%, 4.3% and 5.2%).
SHORT_MESSAGE = 10
OVERRULE_BELOW = 0.2
# The routing model's regularisation, chosen by 5-fold cross-validation on
# the routing examples (bench/bench_safety.py measures the held-out sets).
ROUTE_C = 30.0
WORD_NGRAMS = (1, 2)  # words and pairs of words
LETTER_NGRAMS = (3, 5)  # 3 to 5 letters inside a word: these survive misspellings

# {"intercept": z0, "words": {term: [idf, weight]}, "letters": {...}, "groups": {group: weight}}
Tables = dict[str, Any]
Example = tuple[str, list[str]]  # a normalised text, and the pattern groups that fired on it


def read_rows(path: Path) -> list[dict[str, str]]:
    """A tab-separated file with a header naming at least `label` and `text`."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def example_files() -> list[Path]:
    """The labelled files the crisis model learns from: the patterns'
    examples and every file in training/."""
    return [EXAMPLES, *sorted(TRAINING.glob("*.tsv"))]


def read_examples(*paths: Path) -> tuple[list[str], list[str]]:
    """(crisis messages, ordinary messages) from label<TAB>text files: by
    default `example_files`."""
    rows = [r for p in (paths or example_files()) for r in read_rows(p)]
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


def _vectorizers() -> list[tuple[str, Any]]:
    """The analyzers above, as scikit-learn vectorisers (tf-idf, tf = 1 + ln(count))."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return [
        ("words", TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, sublinear_tf=True)),
        ("letters", TfidfVectorizer(analyzer="char_wb", ngram_range=LETTER_NGRAMS, sublinear_tf=True)),
    ]


def _term_tables(parts: list[tuple[str, Any]], weights: Any) -> tuple[Tables, int]:
    """{part: {term: [idf, weight(s)]}} from fitted vectorisers and the
    classifier's coefficients (one row per class, or one row); and the
    column where the features after the terms begin."""
    tables: Tables = {}
    offset = 0
    for name, vec in parts:
        column = weights[:, offset : offset + len(vec.vocabulary_)]
        single = column.shape[0] == 1
        tables[name] = {
            term: [float(vec.idf_[i]), float(column[0, i]) if single else [float(w) for w in column[:, i]]]
            for term, i in vec.vocabulary_.items()
        }
        offset += len(vec.vocabulary_)
    return tables, offset


def fit(crisis: list[Example], ordinary: list[Example]) -> Tables:
    """Fits the model with scikit-learn (imported here only: see the module
    docstring) and returns its weights. Each example is a normalised text
    and the pattern groups that fired on it: a hit is one more feature (0
    or 1), so the model learns how far to trust each group (a self-harm
    word in a message about last year is not the same as one today)."""
    from scipy.sparse import csr_matrix, diags, hstack
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

    parts = _vectorizers()
    examples = crisis + ordinary
    names = sorted({g for _, groups in examples for g in groups})
    hits = csr_matrix(
        [[float(n in groups) for n in names] for _, groups in examples], shape=(len(examples), len(names))
    )
    x = hstack([FeatureUnion(parts).fit_transform([text for text, _ in examples]), hits]).tocsr()
    labels = [1] * len(crisis) + [0] * len(ordinary)
    scale = ratio_scale(x, labels)
    fitted = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    fitted.fit(x @ diags(scale), labels)
    # Scoring multiplies each feature by its weight: folding the scale into
    # the weight gives the same sum, so serving needs no second table.
    weights = fitted.coef_ * scale
    tables, offset = _term_tables(parts, weights)
    tables["intercept"] = float(fitted.intercept_[0])
    tables["groups"] = {n: float(weights[0, offset + i]) for i, n in enumerate(names)}
    return tables


def ratio_scale(x: Any, labels: list[int]) -> Any:
    """A factor per feature column: how unevenly the feature falls between
    crisis (1) and ordinary (0) examples: the log of the ratio of its
    smoothed shares of each, after the Naive Bayes log-count ratio of Wang
    and Manning ("Baselines and bigrams", ACL 2012). They multiply binary
    features by the signed ratio; here its size alone scales the tf-idf
    columns, so the classifier still learns each sign, divided by its mean
    so C keeps its scale. The classifier then reaches a telling word more
    cheaply than one common to both (a word like "die" in "I could die"
    and "I want to die"). By 5-fold cross-validation on 21,100 messages,
    at the same share of crises caught (96.4% English, 96.9% Welsh), it cut
    the ordinary messages interrupted from 5.6% to 4.2% in English and from
    7.4% to 5.2% in Welsh."""
    import numpy as np

    present = (x > 0).astype(float)
    y = np.asarray(labels)
    crisis = np.asarray(present[y == 1].sum(axis=0)).ravel() + 1.0
    ordinary = np.asarray(present[y == 0].sum(axis=0)).ravel() + 1.0
    ratio = np.abs(np.log((crisis / crisis.sum()) / (ordinary / ordinary.sum())))
    return ratio / ratio.mean()


def fit_classes(examples: list[tuple[str, str]]) -> Tables:
    """A multinomial model over (normalised text, class) examples: the
    routing model. Same features as the crisis model, without pattern hits."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

    parts = _vectorizers()
    x = FeatureUnion(parts).fit_transform([text for text, _ in examples])
    # newton-cg: the same optimum as the default lbfgs, reached in a tenth of
    # the time for twelve classes (0.6 s against 4.4 s for 1,100 messages).
    fitted = LogisticRegression(C=ROUTE_C, max_iter=5000, solver="newton-cg")
    fitted.fit(x, [label for _, label in examples])
    tables, _ = _term_tables(parts, fitted.coef_)
    tables["classes"] = [str(c) for c in fitted.classes_]
    tables["intercept"] = [float(b) for b in fitted.intercept_]
    return tables


FIT_TIMEOUT = 120  # seconds; it takes one or two
# Fitted weights are kept here as JSON, named by a hash of everything that
# went into them: the code and data files below and the examples. Working
# out which pattern groups fire on 9,000 examples takes ~20 s, and every
# server process (and every test server) would otherwise pay it at start.
# A change to any input makes a new name, so a stale model is never read.
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "models"
KEEP_PER_KIND = 4
_INPUT_FILES = ("model.py", "text.py", "welsh.py", "crisis.py", "crisis.yaml", "welsh.yaml", "gloss.yaml")
_THREAD_SETTINGS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class ModelError(RuntimeError):
    """A model could not be fitted: the app must not start without it (it would
    quietly miss crises, or route blindly)."""


def fit_elsewhere(crisis: list[Example], ordinary: list[Example]) -> Tables:
    """`fit` in a child process, so this one never imports scikit-learn.
    ModelError, saying why, if it fails."""
    return _in_child({"task": "crisis", "crisis": crisis, "ordinary": ordinary})


def fit_classes_elsewhere(examples: list[tuple[str, str]]) -> Tables:
    """`fit_classes` in a child process, like fit_elsewhere."""
    return _in_child({"task": "routing", "examples": examples})


def _in_child(task: dict[str, Any]) -> Tables:
    what = f"the {task['task']} model"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app.safety.model"],
            input=json.dumps(task),
            capture_output=True,
            text=True,
            check=False,
            timeout=FIT_TIMEOUT,
            cwd=Path(__file__).resolve().parents[2],
            # One thread: on a busy two-core machine BLAS threads fighting
            # each other made a 0.7 s fit take 5.5 s (and several server
            # processes start at once).
            env={**os.environ, **dict.fromkeys(_THREAD_SETTINGS, "1")},
        )
    except subprocess.TimeoutExpired as exc:
        raise ModelError(f"fitting {what} took over {FIT_TIMEOUT} s") from exc
    if done.returncode != 0:
        raise ModelError(f"fitting {what} failed:\n{done.stderr[-2000:]}")
    try:
        return _readable(json.loads(done.stdout))
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{what} came back unreadable: {exc}") from exc


def _readable(tables: Any) -> Tables:
    """The tables, if they have what scoring reads; else ValueError (or
    KeyError, TypeError)."""
    if not isinstance(tables["intercept"], (float, list)):
        raise ValueError("no intercept")
    if not all(isinstance(tables[name], dict) and tables[name] for name in ANALYZERS):
        raise ValueError("empty term table")
    return tables  # type: ignore[no-any-return]


def cached(kind: str, inputs: Iterable[str], make: Callable[[], Tables]) -> Tables:
    """The tables fitted from `inputs` (every text the fit reads) by `make`,
    read from CACHE when an earlier start made them from the same inputs
    and code. Without a writable cache the model is simply fitted."""
    digest = hashlib.sha256(kind.encode())
    here = Path(__file__).parent
    for name in _INPUT_FILES:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes())
    for text in inputs:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    path = CACHE / f"{kind}-{digest.hexdigest()[:32]}.json"
    try:
        tables = _readable(json.loads(path.read_text(encoding="utf-8")))
        path.touch()  # in use: the last to be pruned
        return tables
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none yet, or unreadable: fit again
    tables = make()
    try:
        CACHE.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed: a process starting at the same moment
        # reads the old name's absence or the complete file, never half.
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_text(json.dumps(tables), encoding="utf-8")
        os.replace(partial, path)
        # Models of inputs since changed go, but not the few most recently
        # used: a test project or a second checkout fits from other inputs,
        # and must not throw away the model the app itself uses.
        kept = sorted(CACHE.glob(f"{kind}-*.json"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in kept[KEEP_PER_KIND:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only install fits at every start, as before
    return tables


class CrisisModel:
    def __init__(
        self,
        tables: Tables,
        ask_at: float = ASK_AT,
        card_at: float = CARD_AT,
        hit_card_at: float = HIT_CARD_AT,
        overrule_below: float = OVERRULE_BELOW,
        short_message: int = SHORT_MESSAGE,
    ):
        self.tables = tables
        self.ask_at = ask_at
        self.card_at = card_at
        self.hit_card_at = hit_card_at
        self.overrule_below = overrule_below
        self.short_message = short_message

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
        z += sum(v * w for v, w in tfidf(self.tables, text))
        return 1 / (1 + math.exp(-max(-500.0, min(500.0, z))))


def tfidf(tables: Tables, text: str) -> list[tuple[float, Any]]:
    """The text's known terms, each as (its tf-idf value, its weight or
    weights): per part, tf = 1 + ln(count) times idf, and the part's
    vector scaled to length 1, as scikit-learn's vectorisers make it."""
    out: list[tuple[float, Any]] = []
    for name, analyze in ANALYZERS.items():
        table = tables[name]
        counts = Counter(term for term in analyze(text) if term in table)
        values = [((1 + math.log(n)) * table[term][0], table[term][1]) for term, n in counts.items()]
        length = math.sqrt(sum(v * v for v, _ in values))
        out.extend((v / length, w) for v, w in values)
    return out


class ClassModel:
    """The routing model: P(class | text) for each class, as scikit-learn's
    multinomial predict_proba computes it (a softmax over the classes)."""

    def __init__(self, tables: Tables):
        self.tables = tables
        self.classes: list[str] = list(tables["classes"])

    @classmethod
    def fitted(cls, examples: Iterable[tuple[str, str]]) -> ClassModel:
        """From (normalised text, class) examples."""
        return cls(fit_classes_elsewhere(list(examples)))

    def probabilities(self, text: str) -> dict[str, float]:
        z = list(self.tables["intercept"])
        for v, weights in tfidf(self.tables, text):
            for i, w in enumerate(weights):
                z[i] += v * w
        top = max(z)
        exp = [math.exp(zi - top) for zi in z]
        total = sum(exp)
        return {c: e / total for c, e in zip(self.classes, exp, strict=True)}


if __name__ == "__main__":  # _in_child's child: examples in on stdin, weights out on stdout
    given = json.load(sys.stdin)
    if given["task"] == "routing":
        json.dump(fit_classes([(text, label) for text, label in given["examples"]]), sys.stdout)
    else:
        json.dump(fit([tuple(e) for e in given["crisis"]], [tuple(e) for e in given["ordinary"]]), sys.stdout)
