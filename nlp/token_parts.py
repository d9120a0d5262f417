"""The parts of one written token that may spell a brand alias.

Real posts write a brand inside a longer token: hyphenated compounds ("DB-Ticket", "Bahn-App"),
German closed compounds ("Bahnchaos"), domains ("bahn.de", "www.mts.ru"), handles
("@DB_Bahn") and hashtags ("#DeutscheBahn", "#мтс"). spaCy's tokenizers keep most of these as
one token (the German one keeps hyphenated words whole), so the phrase matcher never sees the
alias. This module splits such a token into its parts, with their character offsets inside the
token, so the brand matcher can compare each part (and each run of parts) with the aliases.

Written by hand: tokenisers split for parsing, not for finding a name inside a handle or a
domain, and no maintained library does the latter for German, Russian and English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

# A host name: labels separated by dots, ending in a top-level domain (also "рф").
_DOMAIN = re.compile(r"(?i)^(?:https?://)?((?:[\w-]+\.)+(?:[a-z]{2,12}|рф))(?:[/:?#].*)?$")
_EMAIL = re.compile(r"^[\w.+-]+@((?:[\w-]+\.)+[\w-]+)$")
# Where a handle, hashtag or compound splits: separators, and CamelCase boundaries
# ("DeutscheBahn", "СанЧардж") — a lower-case letter followed by an upper-case one.
_SEPARATOR = re.compile(r"[-_./+]+")
_CAMEL = re.compile(r"(?<=[a-zäöüßа-яё])(?=[A-ZÄÖÜА-ЯЁ])")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Part:
    """A run of one or more parts of a token: its text, offsets in the token, and whether it is
    the token's whole body (the handle without '@', a domain's name label, the hashtag)."""

    text: str
    start: int
    end: int
    whole: bool


@dataclass(frozen=True)
class Split:
    """What kind of written token this is, and its candidate parts (longest runs first)."""

    kind: str  # handle | hashtag | domain | compound | word
    body: str
    parts: tuple[Part, ...]


def _pieces(body: str, offset: int, camel: bool) -> list[tuple[str, int, int]]:
    """The smallest parts of a body: separated by punctuation and, in handles and hashtags,
    CamelCase boundaries (elsewhere "PayPal" or "McDonalds" are one name, not two)."""
    out: list[tuple[str, int, int]] = []
    for m in _WORD.finditer(body):
        word, start = m.group(), m.start()
        cuts = [0, *(c.start() for c in _CAMEL.finditer(word) if camel), len(word)]
        for a, b in pairwise(cuts):
            if b > a:
                out.append((word[a:b], offset + start + a, offset + start + b))
    return out


def _runs(token: str, pieces: list[tuple[str, int, int]]) -> tuple[Part, ...]:
    """Every contiguous run of pieces, longest first, as written in the token (with its
    separators)."""
    runs: list[Part] = []
    n = len(pieces)
    for size in range(n, 0, -1):
        for i in range(n - size + 1):
            start, end = pieces[i][1], pieces[i + size - 1][2]
            runs.append(Part(token[start:end], start, end, whole=size == n))
    return tuple(runs)


def split_token(text: str, after_hash: bool = False) -> Split:
    """The parts of a token; ``after_hash`` when the tokenizer split '#' off before it."""
    if text.startswith("#") and len(text) > 1:
        after_hash, text_body, offset = True, text[1:], 1
    else:
        text_body, offset = text, 0
    if after_hash:
        kind = "hashtag"
    elif text.startswith("@") and len(text) > 1:
        kind, text_body, offset = "handle", text[1:], 1
    elif (m := _EMAIL.match(text)) or (m := _DOMAIN.match(text)):
        kind, text_body, offset = "domain", m.group(1), m.start(1)
        labels = text_body.split(".")
        # The name of a domain is its labels without "www" and the top-level domain.
        names = labels[1:-1] if labels[0].lower() == "www" else labels[:-1]
        if not names:
            return Split(kind, text_body, ())
        start = text_body.index(names[0]) + offset
        name = ".".join(names)
        pieces = _pieces(name, start, camel=False)
        return Split(kind, name, _runs(text, pieces))
    elif _SEPARATOR.search(text):
        kind = "compound"
    else:
        return Split("word", text, ())
    pieces = _pieces(text_body, offset, camel=kind in ("handle", "hashtag"))
    return Split(kind, text_body, _runs(text, pieces))


def squash(text: str) -> str:
    """Lower-cased letters and digits only: "Deutsche Bahn" and "#DeutscheBahn" agree."""
    return "".join(_WORD.findall(text.lower().replace("ё", "е")))
