"""A key written twice in a data file is refused, not silently dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import strict_yaml
from app.safety.crisis import CrisisDetector

ROOT = Path(__file__).resolve().parent.parent


def test_a_key_given_twice_is_refused_with_its_line() -> None:
    text = "groups:\n  g:\n    regex: [a]\n    except: [b]\n    except: [c]\n"
    with pytest.raises(strict_yaml.DuplicateKey, match="line 5: 'except' is given twice"):
        strict_yaml.load(text)
    assert strict_yaml.load("a: 1\nb: {a: 2}\n") == {
        "a": 1,
        "b": {"a": 2},
    }  # the same key in two mappings is fine


def test_the_crisis_patterns_refuse_a_second_except_list(tmp_path: Path) -> None:
    """How eight idiom exceptions were once lost: a group's second `except:`
    replaced its first."""
    path = tmp_path / "crisis.yaml"
    path.write_text("groups:\n  g:\n    regex: ['die']\n    except: ['die of shame']\n    except: ['x']\n")
    with pytest.raises(strict_yaml.DuplicateKey):
        CrisisDetector.from_file(path)


def test_every_data_file_has_each_key_once() -> None:
    files = [
        *ROOT.glob("flows/*.yaml"),
        *(ROOT / "app").rglob("*.yaml"),
        *(ROOT / "content").rglob("*.yaml"),
        *(ROOT / "deploy").rglob("*.y*ml"),
    ]
    assert len(files) > 20
    for path in files:
        strict_yaml.load(path.read_text(encoding="utf-8"))  # raises on a key given twice
