"""One text normaliser shared by crisis detection and free-text routing.

Young people type fast and loose: "DON'T", "dont", "d0nt", "diieee",
"kíll". Both modules compare text only after it has gone through
`normalise`, and the crisis patterns are themselves passed through the same
squeezing (see `squeeze_pattern`), so patterns can be written in ordinary
spelling.
"""

from __future__ import annotations

import re
import unicodedata

from app.safety.welsh import demutate

# Apostrophes are removed, not turned into spaces, so "don't" == "dont".
_APOSTROPHES = re.compile(r"['’‘`´ʼ]")
# Leetspeak, applied only inside tokens that also contain a letter (see below).
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_TOKEN = re.compile(r"\S+")
# A number followed by a short unit is not leetspeak: 10pm, 14yo, 1st, 100k,
# 24h, also before a comma or full stop ("18yo, my ex...").
_NUMBER_UNIT = re.compile(r"^[\d.,£$]+[a-z]{0,3}[^\w\s]*$")
_LETTER = re.compile(r"[^\W\d_]")
_NON_WORD = re.compile(r"[\W_]+")
# Any letter repeated: "diieee" -> "die", "pleeease" -> "please", "kill" -> "kil".
_REPEATS = re.compile(r"([^\W\d_])\1+")


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _unleet(token: str) -> str:
    if not _LETTER.search(token) or _NUMBER_UNIT.match(token):
        return token
    return token.translate(_LEET)


def squeeze(text: str) -> str:
    """Collapse every run of a repeated letter to one letter.

    Collapsing to one (not two) is the only rule that turns both "diieee"
    and "die" into the same string; the price is that real double letters go
    too ("kill" -> "kil"), which is harmless because patterns are squeezed
    the same way.
    """
    return _REPEATS.sub(r"\1", text)


def fold(text: str) -> str:
    """Lower case, no accents, no apostrophes, leetspeak undone, punctuation
    and emoji turned into single spaces, repeated letters squeezed."""
    text = _strip_accents(text).lower()
    text = _APOSTROPHES.sub("", text)
    text = _TOKEN.sub(lambda m: _unleet(m.group(0)), text)
    text = _NON_WORD.sub(" ", text)
    return squeeze(text).strip()


def normalise(text: str) -> str:
    """`fold`, then the Welsh mutations of the words that matter undone
    ("farw" -> "marw": see welsh.py), so patterns are written in a word's
    dictionary form."""
    return " ".join(demutate(fold(text).split()))


# In a regex, an escape such as \b or \s must survive squeezing: "\bbetter"
# has to become "\bbeter", not "\beter".
_PATTERN_PIECE = re.compile(r"\\.|([^\W\d_])\1*|.", re.DOTALL)


def squeeze_pattern(pattern: str) -> str:
    """Squeeze repeated letters in a regex source, leaving escapes alone."""
    out: list[str] = []
    for m in _PATTERN_PIECE.finditer(pattern):
        piece = m.group(0)
        out.append(piece[0] if m.group(1) else piece)
    return "".join(out)
