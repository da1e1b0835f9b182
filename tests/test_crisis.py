"""Crisis detection: every crisis line in the corpus must be caught."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app.safety import crisis
from app.safety.text import normalise, squeeze_pattern

CORPUS = Path(__file__).parent / "data" / "crisis.tsv"
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


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_detected(text: str) -> None:
    assert crisis.default().is_crisis(text), f"missed crisis: {text!r}"


def test_false_alarm_rate() -> None:
    alarms = [t for t in OK if crisis.default().is_crisis(t)]
    assert len(alarms) / len(OK) <= MAX_FALSE_ALARM_RATE, alarms


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
    assert crisis.is_crisis("unalive")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("I DON'T want to diieee!!!", "i dont want to die"),
        ("don’t", "dont"),
        ("k1ll mys3lf 😭", "kil myself"),
        ("kíll", "kil"),
        ("took 20 pills at 10pm", "tok 20 pils at 10pm"),  # numbers are not leetspeak
        ("1st time, 14yo", "1st time 14yo"),
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
