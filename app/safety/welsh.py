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

import yaml

LEXICON = Path(__file__).with_name("welsh.yaml")

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


@cache
def demutation_map() -> dict[str, str]:
    """Normalised mutated form -> normalised radical, for welsh.yaml's words."""
    from app.safety.text import fold  # text imports this module

    with LEXICON.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    radicals = {fold(w) for w in data["words"]}
    keep_out = {fold(w) for w in data.get("not_mutations") or []}
    sources: dict[str, set[str]] = defaultdict(set)
    for radical in data["words"]:
        for form in mutations(radical):
            sources[fold(form)].add(fold(radical))
    table = {
        form: next(iter(rads))
        for form, rads in sources.items()
        if len(rads) == 1 and form not in radicals and form not in keep_out and " " not in form
    }
    table.update({fold(k): fold(v) for k, v in (data.get("also") or {}).items()})
    return table


def demutate(words: list[str]) -> list[str]:
    """Normalised words with each known mutated form put back to its radical."""
    table = demutation_map()
    return [table.get(w, w) for w in words]
