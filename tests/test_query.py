"""The boolean query language of brand definitions: parsing, errors, evaluation on positions."""

from __future__ import annotations

import pytest

from brandradar.errors import ConfigError
from brandradar.query import Text, holds, parse


def _text(sentence: str) -> Text:
    words = sentence.lower().split()
    return Text(words, words)


def _lower(words: list[str]) -> list[str]:
    return [w.lower() for w in words]


@pytest.mark.parametrize("query,shown", [
    ('Voltaro AND (akku OR motor) NOT "moralischer kompass"',
     '(Voltaro AND (akku OR motor) AND NOT "moralischer kompass")'),
    ("a b OR c", "((a AND b) OR c)"),
    ("akku NEAR/3 (kaputt OR defekt)", "(akku NEAR/3 (kaputt OR defekt))"),
    ("volt* and or", "(volt* AND and AND or)"),
])
def test_precedence_and_implicit_and(query: str, shown: str) -> None:
    assert str(parse(query)) == shown


@pytest.mark.parametrize("query,message", [
    ("(akku OR", "a word, phrase or '(' is missing at the end"),
    ("akku AND", "a word, phrase or '(' is missing at the end"),
    ('"akku', "unclosed quote at character 1"),
    ("NEAR/2 akku", "unexpected 'NEAR/2' at character 1"),
    ("akku)", "unexpected ')' at character 5"),
    ("(a AND b) NEAR/2 c", "NEAR needs words, phrases or OR groups"),
    ("", "empty query"),
])
def test_errors_say_what_and_where(query: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(query)


@pytest.mark.parametrize("query,sentence,expected", [
    ("akku NEAR/3 (kaputt OR defekt)", "der akku ist leider kaputt", True),
    ("akku NEAR/2 kaputt", "der akku ist leider kaputt", False),
    ("kaputt NEAR/3 akku", "der akku ist leider kaputt", True),
    ('"akku ist"', "der akku ist leider kaputt", True),
    ('"ist akku"', "der akku ist leider kaputt", False),
    ("ak* NOT motor", "der akku ist leider kaputt", True),
    ("ak* NOT kaputt", "der akku ist leider kaputt", False),
    ("motor OR (akku AND leider)", "der akku ist leider kaputt", True),
])
def test_evaluation(query: str, sentence: str, expected: bool) -> None:
    assert holds(parse(query), _text(sentence), _lower) is expected
