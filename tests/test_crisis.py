"""Crisis detection: every crisis line in the corpus must be caught."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.safety import crisis
from app.safety.text import normalise, squeeze_pattern

CORPUS = Path(__file__).resolve().parent.parent / "app" / "safety" / "crisis_examples.tsv"
MAX_FALSE_ALARM_RATE = 0.10


def _load() -> list[tuple[str, str]]:
    with CORPUS.open(encoding="utf-8", newline="") as f:
        return [(r["label"], r["text"]) for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]


ROWS = _load()
CRISIS = [t for label, t in ROWS if label == "crisis"]
OK = [t for label, t in ROWS if label == "ok"]


def test_corpus_shape() -> None:
    assert {label for label, _ in ROWS} == {"crisis", "ok"}
    assert len(CRISIS) >= 170 and len(OK) >= 170
    assert len(set(CRISIS) | set(OK)) == len(ROWS), "duplicate lines"


PATTERNS_ONLY = crisis.CrisisDetector.from_file(crisis.DEFAULT_PATH)


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_detected(text: str) -> None:
    # By the reviewable patterns alone: the model (fitted on these very lines)
    # is a backstop for new phrasings, not a place to hide a pattern's gap.
    assert PATTERNS_ONLY.is_crisis(text), f"missed crisis: {text!r}"
    assert crisis.default().is_crisis(text)


def test_false_alarm_rate() -> None:
    alarms = [t for t in OK if crisis.default().is_crisis(t)]
    assert len(alarms) / len(OK) <= MAX_FALSE_ALARM_RATE, alarms


def test_model_scores_exactly_as_scikit_learn_would() -> None:
    """The serving process scores with its own term lists and the fitted
    weights, never importing scikit-learn: it must give scikit-learn's own
    probabilities, for every example and for unseen text, pattern hits
    included."""
    import numpy as np
    from scipy.sparse import csr_matrix, diags, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_union

    from app.safety.model import C, CrisisModel, ratio_scale

    def example(text: str) -> tuple[str, list[str]]:
        return normalise(text), sorted(PATTERNS_ONLY.groups_hit(text))

    pos = [example(t) for t in CRISIS]
    neg = [example(t) for t in OK]
    names = sorted({g for _, groups in pos + neg for g in groups})

    def features(examples: list[tuple[str, list[str]]], fit: bool = False) -> Any:
        texts = [t for t, _ in examples]
        words = union.fit_transform(texts) if fit else union.transform(texts)
        hits = csr_matrix(
            [[float(n in g) for n in names] for _, g in examples], shape=(len(examples), len(names))
        )
        return hstack([words, hits]).tocsr()

    union = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
    )
    reference = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    labels = [1] * len(pos) + [0] * len(neg)
    x = features(pos + neg, fit=True)
    scale = diags(ratio_scale(x, labels))
    reference.fit(x @ scale, labels)
    unseen = [("an unseen message, with zzqx words and a b c", ["self_harm"]), ("a", []), ("", [])]
    examples = [*pos, *neg, *unseen]
    model = CrisisModel.fitted(pos, neg)
    got = np.array([model.probability(t, g) for t, g in examples])
    assert np.allclose(got, reference.predict_proba(features(examples) @ scale)[:, 1], atol=1e-9)
    assert model.tables["groups"], "pattern groups are features"


def test_a_feature_found_in_one_class_only_weighs_more_than_one_found_in_both() -> None:
    """The scale that lets the model reach a telling word more cheaply: a
    column found only in crisis examples, or only in ordinary ones, gets a
    larger factor than one found as often in both; the factors average 1."""
    import numpy as np
    from scipy.sparse import csr_matrix

    from app.safety.model import ratio_scale

    # columns: only in crisis; in both alike; only in ordinary
    x = csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1], [0, 1, 1], [0, 0, 1], [0, 0, 1]], dtype=float))
    scale = ratio_scale(x, [1, 1, 0, 0, 0, 0])
    assert scale[0] > 2 * scale[1] and scale[2] > 2 * scale[1]
    assert np.isclose(scale.mean(), 1.0)


def test_serving_never_imports_scikit_learn(tmp_path: Path) -> None:
    """scikit-learn and SciPy would hold ~110 MB in every serving process: the
    model is fitted in a child process and only its weights come back."""
    code = (
        "import sys; from app import create_app; create_app({'TESTING': True, 'INSTANCE_DIR': sys.argv[1]}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_model_catches_what_patterns_let_through_and_is_named() -> None:
    from app.safety.model import CrisisModel

    model = CrisisModel.fitted(
        [("i wil walk into the marsh tonight", [])] * 3, [("the marsh walk was lovely", [])] * 3
    )
    detector = crisis.CrisisDetector({"groups": {}}, model)
    assert detector.matches("walk into the marsh tonight") == ["model"]
    assert detector.matches("lovely walk") == []


def test_flow_phrases_are_not_crises(app: Any) -> None:
    """A person typing what a flow expects is routed there, not shown the
    crisis card: the app's detector learns the phrases as ordinary."""
    engine = app.extensions["safechat"]["engine"]
    phrases = [p for f in engine.flows.values() for p in f.phrases]
    assert [p for p in phrases if engine.safety.check(p)] == []


@pytest.mark.parametrize(
    "text",
    [
        "my mum will kill me if she finds out",
        "he said he'll kill my reputation",
        "i want to die of embarrassment lol",
        "cut him off and block him",
        "thats odd",
        "kmsl",
    ],
)
def test_documented_idioms_are_not_crises(text: str) -> None:
    assert not crisis.default().is_crisis(text)


def test_idiom_does_not_hide_a_real_crisis_in_the_same_message() -> None:
    assert crisis.default().matches("my mum will kill me and i want to die") == ["suicide_phrases"]


def test_matches_names_groups() -> None:
    d = crisis.default()
    assert "overdose" in d.matches("took a load of pills")
    assert "self_harm" in d.matches("been cutting again")
    assert "danger_now" in d.matches("hes outside my house")
    assert d.matches("") == []
    assert d.matches("   ") == []


def test_default_is_cached_and_from_file_works() -> None:
    assert crisis.default() is crisis.default()
    assert crisis.CrisisDetector.from_file(crisis.DEFAULT_PATH).is_crisis("kms")
    assert crisis.default().is_crisis("unalive")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("I DON'T want to diieee!!!", "i dont want to die"),
        ("don’t", "dont"),
        ("k1ll mys3lf 😭", "kil myself"),
        ("kíll", "kil"),
        ("took 20 pills at 10pm", "tok 20 pils at 10pm"),  # numbers are not leetspeak
        ("1st time, 14yo", "1st time 14yo"),
        ("18yo, my ex", "18yo my ex"),  # a number and its unit before a comma are not leetspeak either
        ("  lots   of\tspace\n", "lots of space"),
        ("su1c1d3", "suicide"),
        ("", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_squeeze_pattern_keeps_escapes() -> None:
    assert squeeze_pattern(r"\bbetter off") == r"\bbeter of"
    assert squeeze_pattern(r"\s+kill") == r"\s+kil"


@pytest.mark.parametrize(
    ("outcome", "says"),
    [
        ("timeout", "took over"),
        (subprocess.CompletedProcess([], 1, "", "Traceback: boom"), "boom"),
        (subprocess.CompletedProcess([], 0, "printed something else", ""), "unreadable"),
        (
            subprocess.CompletedProcess([], 0, '{"intercept": 0.1, "words": {}, "letters": {}}', ""),
            "unreadable",
        ),
    ],
)
def test_a_failed_fit_stops_start_up_saying_why(
    monkeypatch: pytest.MonkeyPatch, outcome: Any, says: str
) -> None:
    """Without its model the app would quietly miss crises: it must not start."""
    from app.safety import model

    def run(*_args: Any, **_kwargs: Any) -> Any:
        if outcome == "timeout":
            raise subprocess.TimeoutExpired("fit", model.FIT_TIMEOUT)
        return outcome

    monkeypatch.setattr(model.subprocess, "run", run)
    with pytest.raises(model.ModelError, match=says):
        model.fit_elsewhere(["a crisis"], ["ordinary"])


def test_a_long_message_the_model_is_sure_of_overrules_a_pattern_hit() -> None:
    """Read whole, "clean from self harm for 2 years" is not a crisis even
    though a self-harm pattern fires; a short message is the hit and nothing
    else, so it stands, however sure the model is."""
    from app.safety.model import CrisisModel

    model = CrisisModel(
        {"intercept": -6.0, "words": {"x": [1.0, 0.0]}, "letters": {"x": [1.0, 0.0]}, "groups": {}}
    )
    detector = crisis.CrisisDetector.from_file(crisis.DEFAULT_PATH, model)
    long_past = (
        "I have been clean from self harm for 2 years now and someone in my class asked about my scars today"
    )
    assert PATTERNS_ONLY.groups_hit(long_past), "a pattern fires on it"
    assert detector.check(long_past) is None
    assert detector.check("i self harm") == crisis.CARD, "however sure the model is"
    assert crisis.default().check("im in danger") is not None


def test_feeling_trapped_is_asked_about_and_being_trapped_is_the_card() -> None:
    """ "Trapped" is a danger-now word for a locked room or a car, and a
    feeling too: a parent's "my son says he feels trapped" was shown the
    whole card, in a short message where a pattern hit stands."""
    assert PATTERNS_ONLY.check("my son says he feels trapped") == crisis.ASK
    assert PATTERNS_ONLY.check("im trapped in his car and he wont let me out") == crisis.CARD
    assert PATTERNS_ONLY.check("i feel trapped in his car") == crisis.CARD, "a feeling about a place"


@pytest.mark.parametrize(
    "text", ["dw i eisiau lladd fy hun", "dwi isio marw", "dw i eisiau marw", "i want to kill myself"]
)
def test_a_short_plain_crisis_shows_the_card_in_either_language(text: str) -> None:
    """Welsh hard examples use these words in idioms and the past as often
    as in danger; with nothing else to read, the model must not talk the
    card down to a question."""
    assert crisis.default().check(text) == crisis.CARD


def test_a_fitted_model_is_kept_and_refitted_when_its_inputs_change(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every server process would otherwise spend ~20 s at start working out
    which patterns fire on the examples; a cached model must never outlive
    a change to what it was fitted from, and a damaged file is refitted."""
    from app.safety import model

    monkeypatch.setattr(model, "CACHE", tmp_path)
    fits: list[str] = []

    def make(tag: str) -> model.Tables:
        fits.append(tag)
        return {"intercept": 0.5, "words": {"a": [1.0, 1.0]}, "letters": {" a ": [1.0, 1.0]}}

    assert model.cached("crisis", ["one", "two"], lambda: make("first"))["intercept"] == 0.5
    model.cached("crisis", ["one", "two"], lambda: make("again"))
    assert fits == ["first"], "the same inputs read the kept model"
    model.cached("crisis", ["one", "three"], lambda: make("changed"))
    assert fits == ["first", "changed"]
    model.cached("crisis", ["one", "two"], lambda: make("again"))
    assert fits == ["first", "changed"], "another project's model does not push out this one"
    for n in range(model.KEEP_PER_KIND + 2):
        model.cached("crisis", [f"other {n}"], lambda: make("other"))
    assert len(list(tmp_path.glob("crisis-*.json"))) == model.KEEP_PER_KIND, "old ones are pruned"
    newest = max(tmp_path.glob("crisis-*.json"), key=lambda f: f.stat().st_mtime)
    newest.write_text("{not json")
    model.cached("crisis", [f"other {model.KEEP_PER_KIND + 1}"], lambda: make("damaged"))
    assert fits[-1] == "damaged"
