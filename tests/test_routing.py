"""Free-text router: accuracy on the labelled corpus, and unclear input."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from app.engine import Engine
from app.i18n import Catalogs
from app.safety.routing import Router
from app.safety.service import router_for

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent
# Measured 199/221 = 0.900, deterministic, since the English and Welsh
# examples written blind were added (203/221 before; on sets written after,
# English 70.8% -> 86.7%, Welsh 22.9% -> 79.2%: make bench). 0.89 catches a
# three-message regression.
MIN_TOP1 = 0.89


@pytest.fixture(scope="module")
def router() -> Router:
    catalogs = Catalogs(ROOT / "locales")
    flows = Engine(ROOT / "flows", ROOT / "content", "r" * 40).flows
    return router_for(flows, catalogs.gettext, catalogs.locales)  # what the app routes with


def _corpus() -> list[tuple[str, str]]:
    with (DATA / "routing.tsv").open(encoding="utf-8", newline="") as f:
        return [(r["flow"], r["text"]) for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]


def test_corpus_covers_every_flow(router: Router) -> None:
    counts: dict[str, int] = {}
    for flow, _ in _corpus():
        counts[flow] = counts.get(flow, 0) + 1
    # every flow with phrases of its own
    engine = Engine(ROOT / "flows", ROOT / "content", "r" * 40)
    assert set(counts) == {f for f in router.flows if engine.flows[f].phrases}
    assert min(counts.values()) >= 20


def test_top1_accuracy(router: Router) -> None:
    rows = _corpus()

    def pick(text: str) -> str:  # the app's first choice, with no audience chosen yet
        result = router.route(text)
        return result.flow or result.choices[0]

    wrong = [(flow, text, pick(text)) for flow, text in rows if pick(text) != flow]
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= MIN_TOP1, f"{accuracy:.1%}: {wrong}"


@pytest.mark.parametrize("text", ["hi", "idk", "hello?", "help", "pls help me", "no", "i dont know", "?"])
def test_unclear_text_is_not_confident(router: Router, text: str) -> None:
    result = router.route(text)
    assert result.flow is None  # not confident: no flow is started
    assert len(result.choices) == 3


@pytest.mark.parametrize("text", ["", "   ", "!!!"])
def test_empty_text(router: Router, text: str) -> None:
    result = router.route(text)
    assert (result.flow, len(result.choices)) == (None, 3)
    assert all(score == 0.0 for _, score in router.rank(text))


def test_clear_messages_route(router: Router) -> None:
    result = router.route("this girl says she'll send my pics to everyone unless i pay")
    assert result.flow == "youth_sextortion"
    assert router.route("my son is being blackmailed").choices[0] == "parent_child_targeted"


def test_audience_filter(router: Router) -> None:
    ranked = router.rank("my pics got shared", audience_filter="parents")
    assert ranked and all(router.audience[flow] == "parents" for flow, _ in ranked)
    assert {f for f, _ in router.rank("x", audience_filter="schools")} == {
        "school_staff_first_response",
        "school_dsl_incident",
    }


def test_hint_breaks_near_ties() -> None:
    audiences = {"youth_a": "youth", "parent_b": "parents"}
    tied = Router(
        {"youth_a": ["he has my pics and wants money"], "parent_b": ["he has my pics and wants money"]},
        audiences,
    )
    assert tied.route("he has my pics and wants money", hint="parents").flow == "parent_b"
    assert tied.route("he has my pics and wants money", hint="youth").flow == "youth_a"
    # ...but the hint does not override a clear match for another audience.
    clear = Router(
        {"youth_a": ["he has my pics and wants money"], "parent_b": ["how do i talk to my son"]}, audiences
    )
    assert clear.route("he has my pics and wants money", hint="parents").flow == "youth_a"


def test_rank_is_sorted_and_bounded(router: Router) -> None:
    scores = [s for _, s in router.rank("he wants money for my nudes")]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 100.0 for s in scores)


def test_unclear_text_suggests_the_chosen_audience_first(api: Any) -> None:
    _, start = api({})
    _, menu = api({"token": start["token"], "choose": "parent"})
    status, turn = api({"token": menu["token"], "say": "hmm"})
    assert status == 200 and turn["state"] == "parent_menu"
    suggested = [o["id"] for o in turn["options"] if not o.get("global")]
    assert suggested and all(f.startswith("parent_") for f in suggested), suggested


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("my son is being blackmailed", "parents"),
        ("a pupil told me her pics got out", "schools"),
        ("he has my pics", "youth"),
        ("how common is this", None),
        ("our 14 yo daughter", "parents"),
    ],
)
def test_perspective(router: Router, text: str, who: str | None) -> None:
    assert router.perspective(text) == who


def test_routing_does_not_depend_on_the_hash_seed() -> None:
    """Every server process must route the same words the same way."""
    import os
    import subprocess
    import sys

    code = (
        "import csv, hashlib; from pathlib import Path; from app.engine import Engine; "
        "from app.safety.service import router_for; "
        "r = router_for(Engine(Path('flows'), Path('content'), 'h' * 40).flows); "
        "rows = csv.DictReader(open('tests/data/routing.tsv'), delimiter='\\t', quoting=csv.QUOTE_NONE); "
        "routes = [(t.flow, t.choices) for t in (r.route(x['text']) for x in rows)]; "
        "print(hashlib.sha256(repr(routes).encode()).hexdigest())"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "5")
    }
    assert len(outs) == 1, outs


def test_routing_model_scores_exactly_as_scikit_learn_would(router: Router) -> None:
    """The router's model is fitted in a child process and scored from plain
    tables: its probabilities must be scikit-learn's own."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_union

    from app.safety.model import ROUTE_C, ClassModel

    examples = [
        ("he says he will post my pics unless i pay", "sextortion"),
        ("they want money or they share my nudes", "sextortion"),
        ("my boyfriend keeps asking for nudes", "pressure"),
        ("someone keeps begging me to send pics", "pressure"),
        ("my daughter's picture was shared", "parent"),
        ("our son is being blackmailed", "parent"),
    ]
    union = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
    )
    reference = LogisticRegression(C=ROUTE_C, max_iter=5000, solver="newton-cg")
    reference.fit(union.fit_transform([t for t, _ in examples]), [c for _, c in examples])
    model = ClassModel.fitted(examples)
    texts = [t for t, _ in examples] + ["an unseen zzqx message about pics", "a", ""]
    want = reference.predict_proba(union.transform(texts))
    got = np.array([[model.probabilities(t)[c] for c in reference.classes_] for t in texts])
    assert np.allclose(got, want, atol=1e-9)
    assert router.model is not None, "the app's router has its model"


def test_welsh_words_are_read_with_their_english_gloss() -> None:
    """Mutated forms too: "luniau" is "lluniau" (pictures), "nhalu" is
    "talu" (pay)."""
    from app.safety.text import normalise
    from app.safety.welsh import gloss

    glossed = gloss(normalise("mae o'n bygwth rhannu fy luniau noeth os na wna i dalu"))
    assert {"threaten", "share", "pictures", "nude", "pay"} <= set(glossed.split())
    assert gloss("hello there") == "hello there"


@pytest.mark.parametrize(
    ("text", "flow"),
    [
        ("mae rhywun yn bygwth rhannu fy lluniau noeth os na fydda i'n talu", "youth_sextortion"),
        ("mae fy merch wedi cael ei blacmelio efo lluniau ohoni", "parent_child_targeted"),
        (
            "mae disgybl newydd ddweud wrtha i fod llun noeth ohoni yn cael ei rannu",
            "school_staff_first_response",
        ),
    ],
)
def test_welsh_first_messages_rank_the_right_flow_first(router: Router, text: str, flow: str) -> None:
    result = router.route(text)
    assert (result.flow or result.choices[0]) == flow
