"""Boolean brand queries: AND, OR, NOT, NEAR/n, quoted phrases, prefix wildcards, parentheses.

The language of listening suites (Brandwatch, Talkwalker): ``Voltaro AND (akku OR motor)
NOT "moralischer kompass"``; adjacent terms are joined by AND; ``a NEAR/5 b`` holds when ``a``
and ``b`` are at most 5 words apart; ``volt*`` matches every word starting with ``volt``.
Operators are upper case, so lower-case "and"/"or"/"not" are ordinary words.

Terms are kept as written; the caller supplies how words are normalised (brandradar matches on
the same stems as brand aliases), so a query matches inflected forms too. Written by hand: no
maintained Python library parses this query dialect and evaluates it on token positions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from brandradar.errors import ConfigError

Normaliser = Callable[[list[str]], list[str]]
_TOKEN = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"|(NEAR/\d+)|([^\s()"]+))')


@dataclass(frozen=True)
class Text:
    """The words of a document: original (lower-cased) and normalised, position by position."""

    lowered: Sequence[str]
    norms: Sequence[str]


@dataclass(frozen=True)
class Phrase:
    """One word, a quoted phrase, or a prefix (``volt*``)."""

    words: tuple[str, ...]
    prefix: bool = False

    def positions(self, text: Text, normalise: Normaliser) -> set[int]:
        """Start positions of the phrase in the text."""
        if self.prefix:
            stem = self.words[0].lower()
            return {i for i, w in enumerate(text.lowered) if w.startswith(stem)}
        want = normalise(list(self.words))
        n = len(want)
        return {i for i in range(len(text.norms) - n + 1) if list(text.norms[i : i + n]) == want}

    def __str__(self) -> str:
        body = " ".join(self.words)
        return f"{body}*" if self.prefix else f'"{body}"' if len(self.words) > 1 else body


@dataclass(frozen=True)
class Near:
    """Two parts at most ``distance`` words apart (either order)."""

    left: Node
    right: Node
    distance: int

    def positions(self, text: Text, normalise: Normaliser) -> set[int]:
        """Positions of the left part that have the right part near them."""
        lp, rp = positions(self.left, text, normalise), positions(self.right, text, normalise)
        return {p for p in lp if any(abs(p - q) <= self.distance for q in rp)}

    def __str__(self) -> str:
        return f"({self.left} NEAR/{self.distance} {self.right})"


@dataclass(frozen=True)
class Or:
    """Either part."""

    parts: tuple[Node, ...]

    def __str__(self) -> str:
        return "(" + " OR ".join(map(str, self.parts)) + ")"


@dataclass(frozen=True)
class And:
    """Every part."""

    parts: tuple[Node, ...]

    def __str__(self) -> str:
        return "(" + " AND ".join(map(str, self.parts)) + ")"


@dataclass(frozen=True)
class Not:
    """The part does not occur."""

    part: Node

    def __str__(self) -> str:
        return f"NOT {self.part}"


Node = Phrase | Near | Or | And | Not


def positions(node: Node, text: Text, normalise: Normaliser) -> set[int]:
    """Where a positional part occurs (words, phrases, NEAR, OR of those)."""
    if isinstance(node, Phrase | Near):
        return node.positions(text, normalise)
    if isinstance(node, Or):
        return set().union(*(positions(p, text, normalise) for p in node.parts))
    raise ConfigError(f"query: NEAR needs words, phrases or OR groups on both sides, not {node}")


def holds(node: Node, text: Text, normalise: Normaliser) -> bool:
    """Whether the query is true for the text."""
    if isinstance(node, And):
        return all(holds(p, text, normalise) for p in node.parts)
    if isinstance(node, Or):
        return any(holds(p, text, normalise) for p in node.parts)
    if isinstance(node, Not):
        return not holds(node.part, text, normalise)
    return bool(node.positions(text, normalise))


def _variables(node: Node) -> list[str]:
    if isinstance(node, And | Or):
        return [v for p in node.parts for v in _variables(p)]
    if isinstance(node, Not):
        return _variables(node.part)
    return [str(node)]


def _value(node: Node, truth: dict[str, bool]) -> bool:
    if isinstance(node, And):
        return all(_value(p, truth) for p in node.parts)
    if isinstance(node, Or):
        return any(_value(p, truth) for p in node.parts)
    if isinstance(node, Not):
        return not _value(node.part, truth)
    return truth[str(node)]


def satisfiable(node: Node, limit: int = 14) -> bool:
    """Whether some text can make the query true ("a AND NOT a" cannot).

    Each distinct word, phrase or NEAR is treated as free to occur or not; every assignment is
    tried (queries with more than ``limit`` distinct terms are assumed satisfiable).
    """
    names = list(dict.fromkeys(_variables(node)))
    if len(names) > limit:
        return True
    for bits in range(2 ** len(names)):
        if _value(node, {n: bool(bits >> i & 1) for i, n in enumerate(names)}):
            return True
    return False


def _check_near(node: Node, query: str) -> None:
    if isinstance(node, Near):
        for side in (node.left, node.right):
            if isinstance(side, And | Not) or (
                    isinstance(side, Or) and any(isinstance(p, And | Not) for p in side.parts)):
                raise ConfigError(
                    f"query {query!r}: NEAR needs words, phrases or OR groups, not {side}")
            _check_near(side, query)
    elif isinstance(node, And | Or):
        for p in node.parts:
            _check_near(p, query)
    elif isinstance(node, Not):
        _check_near(node.part, query)


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(query):
            if not query[pos:].strip():
                break
            m = _TOKEN.match(query, pos)
            if not m or m.end() == pos:
                raise ConfigError(f"query {query!r}: unclosed quote at character {pos + 1}")
            kinds = ("(", ")", "phrase", "near", "word")
            kind = next(k for k, g in zip(kinds, m.groups(), strict=True) if g is not None)
            self.tokens.append((kind, next(g for g in m.groups() if g is not None), m.start()))
            pos = m.end()
        self.i = 0

    def error(self, message: str) -> ConfigError:
        where = (f"at character {self.tokens[self.i][2] + 1}" if self.i < len(self.tokens)
                 else "at the end")
        return ConfigError(f"query {self.query!r}: {message} {where}")

    def peek(self) -> tuple[str, str] | None:
        if self.i < len(self.tokens):
            kind, value, _ = self.tokens[self.i]
            return kind, value
        return None

    def parse(self) -> Node:
        if not self.tokens:
            raise self.error("empty query")
        node = self.or_()
        if self.peek() is not None:
            raise self.error("unexpected " + repr(self.tokens[self.i][1]))
        _check_near(node, self.query)
        return node

    def or_(self) -> Node:
        parts = [self.and_()]
        while self.peek() == ("word", "OR"):
            self.i += 1
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_(self) -> Node:
        parts = [self.not_()]
        while (nxt := self.peek()) is not None and nxt[0] != ")" and nxt != ("word", "OR"):
            if nxt == ("word", "AND"):
                self.i += 1
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def not_(self) -> Node:
        if self.peek() == ("word", "NOT"):
            self.i += 1
            return Not(self.not_())
        return self.near()

    def near(self) -> Node:
        node = self.atom()
        while (nxt := self.peek()) is not None and nxt[0] == "near":
            self.i += 1
            node = Near(node, self.atom(), int(nxt[1].split("/")[1]))
        return node

    def atom(self) -> Node:
        nxt = self.peek()
        if nxt is None:
            raise self.error("a word, phrase or '(' is missing")
        kind, value = nxt
        self.i += 1
        if kind == "(":
            node = self.or_()
            if self.peek() != (")", ")"):
                raise self.error("')' is missing")
            self.i += 1
            return node
        if kind == "phrase":
            words = tuple(value.split())
            if not words:
                raise self.error("empty phrase")
            return Phrase(words)
        if kind == "word" and value not in ("AND", "OR", "NOT"):
            if value.endswith("*") and len(value) > 1:
                return Phrase((value[:-1],), prefix=True)
            return Phrase((value,))
        self.i -= 1
        raise self.error(f"unexpected {value!r}")


def parse(query: str) -> Node:
    """The query as a tree; a ConfigError names the problem and where it is."""
    return _Parser(query).parse()
