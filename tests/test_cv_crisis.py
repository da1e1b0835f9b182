"""The cross-validation that chooses the crisis cut-offs (bench/cv_crisis.py)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

import bench.cv_crisis
from bench.cv_crisis import cross_validate, folds


def _rows(n: int, label: str, lang: str) -> list[dict[str, str]]:
    return [{"label": label, "lang": lang, "text": f"{label} {lang} message number {i}"} for i in range(n)]


def test_every_language_and_label_is_dealt_evenly_into_the_parts() -> None:
    rows = _rows(23, "crisis", "en") + _rows(41, "ok", "en") + _rows(12, "crisis", "cy")
    part = folds(rows, k=5)
    for lang, label in (("en", "crisis"), ("en", "ok"), ("cy", "crisis")):
        mine = [p for p, r in zip(part, rows, strict=True) if (r["lang"], r["label"]) == (lang, label)]
        sizes = Counter(mine)
        assert sorted(sizes) == [0, 1, 2, 3, 4] and max(sizes.values()) - min(sizes.values()) <= 1
    assert folds(rows, k=5) == part, "the same parts every run"


def test_each_example_is_decided_once_by_a_model_that_never_saw_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain crises and plain ordinary messages, each part left out in turn:
    every row counted once, no fit given a row of the part it decides, and
    a model fitted on the others catches the crises and lets the ordinary
    ones through."""
    fitted_on: list[set[str]] = []
    real_fit = bench.cv_crisis.fit

    def recording_fit(crisis: Any, ordinary: Any) -> Any:
        fitted_on.append({text for text, _ in crisis + ordinary})
        return real_fit(crisis, ordinary)

    monkeypatch.setattr(bench.cv_crisis, "fit", recording_fit)
    crises = ["i want to kill myself", "ive taken all my pills", "im going to end it tonight", "i cut myself"]
    calm = ["how do i block someone", "what is report remove", "thanks that helped", "can i tell my teacher"]
    rows = [
        {"label": label, "lang": "en", "text": f"{text} {n}"}
        for n in range(3)
        for label, texts in (("crisis", crises), ("ok", calm))
        for text in texts
    ]
    counts = cross_validate(rows, k=3)
    part = folds(rows, k=3)
    assert len(fitted_on) == 3
    for left_out, seen in enumerate(fitted_on):
        held = {r["text"] for r, p in zip(rows, part, strict=True) if p == left_out}
        assert held and not held & seen and len(seen) == len(rows) - len(held)
    en = counts["en"]
    assert en["crisis"] == 12 and en["ok"] == 12
    assert en["crisis_flagged"] == 12, "the patterns alone catch these"
    assert en["ok_flagged"] == 0
