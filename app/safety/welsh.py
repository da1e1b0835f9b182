"""Welsh initial mutations, undone for the words crisis detection and routing
care about.

Welsh changes the first sound of a word after certain words: "marw" (die)
is "farw" in "isio farw", "lladd" (kill) is "ladd" or "nladd", "brifo"
(hurt) is "frifo" in "i frifo fy hun". A pattern or a model that knows only
"marw" would miss "farw". Undoing mutations in general is ambiguous ("f" can
come from "b" or "m"), so this works from a list of radical forms
(welsh.yaml): every soft, nasal and aspirate form of each is generated and
mapped back to it, and a form that could come from two listed words, or
that is itself a listed word, is left alone.

Mapping happens on folded text (app.safety.text.fold: lower case, repeated
letters squeezed), so the forms are folded the same way: "ladd" and
"lladd" both squeeze to "lad".
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

from app import strict_yaml

LEXICON = Path(__file__).with_name("welsh.yaml")
GLOSSARY = Path(__file__).with_name("gloss.yaml")

# Initial consonant (as written) -> its mutated forms. Digraphs first, so
# "ll" is not read as "l". Vowel-initial words take an h- (aspirate / h-
# prothesis after "ei" her, "ein", "eu", "'w"): "ei hanafu".
_MUTATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ll", ("l",)),
    ("rh", ("r",)),
    ("p", ("b", "mh", "ph")),
    ("t", ("d", "nh", "th")),
    ("c", ("g", "ngh", "ch")),
    ("b", ("f", "m")),
    ("d", ("dd", "n")),
    ("g", ("", "ng")),
    ("m", ("f",)),
)
_VOWELS = "aeiouwyâêîôûŵŷ"


def mutations(word: str) -> set[str]:
    """Every mutated form of a radical word (not the word itself)."""
    for initial, forms in _MUTATIONS:
        if word.startswith(initial):
            rest = word[len(initial) :]
            return {f + rest for f in forms if f + rest}
    if word[:1] in _VOWELS:
        return {"h" + word}
    return set()


def _forms(radicals: list[str], keep_out: set[str]) -> dict[str, str]:
    """Folded mutated form -> folded radical, for forms that only one of the
    radicals makes, that are not themselves one of them, and not kept out."""
    from app.safety.text import fold  # text imports this module

    folded = {fold(w) for w in radicals}
    sources: dict[str, set[str]] = defaultdict(set)
    for radical in radicals:
        for form in mutations(radical):
            sources[fold(form)].add(fold(radical))
    return {
        form: next(iter(rads))
        for form, rads in sources.items()
        if len(rads) == 1 and form not in folded and form not in keep_out and " " not in form
    }


def _lexicon() -> dict[str, Any]:
    with LEXICON.open(encoding="utf-8") as f:
        return strict_yaml.load(f)  # type: ignore[no-any-return]


@cache
def demutation_map() -> dict[str, str]:
    """Normalised mutated form -> normalised radical, for welsh.yaml's words."""
    from app.safety.text import fold

    data = _lexicon()
    table = _forms(data["words"], {fold(w) for w in data.get("not_mutations") or []})
    table.update({fold(k): fold(v) for k, v in (data.get("also") or {}).items()})
    return table


@cache
def gloss_map() -> dict[str, str]:
    """Normalised Welsh word (radical or mutated) -> English words (gloss.yaml)."""
    from app.safety.text import fold

    with GLOSSARY.open(encoding="utf-8") as f:
        glossary = {fold(str(k)): str(v) for k, v in strict_yaml.load(f).items()}
    keep_out = {fold(w) for w in _lexicon().get("not_mutations") or []}
    table = {form: glossary[radical] for form, radical in _forms(list(glossary), keep_out).items()}
    table.update(glossary)
    return table


def gloss(normalised: str) -> str:
    """Normalised text with the English words for its Welsh words after it."""
    table = gloss_map()
    extra = [table[w] for w in normalised.split() if w in table]
    return " ".join([normalised, *extra]) if extra else normalised


def demutate(words: list[str]) -> list[str]:
    """Normalised words with each known mutated form put back to its radical."""
    table = demutation_map()
    return [table.get(w, w) for w in words]
