"""The lemma of a key-phrase candidate, and in Russian whether it is a noun phrase at all.

Candidates cut from runs of content words (:mod:`brandradar.nlp.keyphrases`) hold, in Russian,
"отличный", "ездить" or "быстро" as often as "аккумулятор" — but a topic is a thing people talk
about, a noun phrase. German nouns are told by their capital letter; Russian needs a
morphological analyser: pymorphy3 (MIT) with the OpenCorpora dictionary (package
``pymorphy3-dicts-ru``, data CC BY-SA 3.0, installed as a dependency and not copied into
brandradar), which also inflects a phrase's lemma so that its words agree ("честная цена", where
word-by-word lemmas give "честный цена"). Written here because simplemma knows nothing of word
classes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import simplemma

# Tags of words that are not in the dictionary but may well be names: Latin script, unknown.
_NAME_TAGS = ("LATN", "UNKN")
_ADJECTIVES = ("ADJF", "PRTF")


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3  # imported here: the dictionary costs 0.1 s and 15 MB, Russian only

    return pymorphy3.MorphAnalyzer(lang="ru")


def _is_name(parse: Any) -> bool:
    return any(t in parse.tag for t in _NAME_TAGS)


def _nouns(word: str) -> list[Any]:
    """The word's noun parses (or its parse as an unknown name), most likely first; empty
    when its most likely parse is another word class."""
    parses = _morph().parse(word)
    if _is_name(parses[0]):
        return [parses[0]]
    if parses[0].tag.POS != "NOUN":
        return []
    return [p for p in parses if p.tag.POS == "NOUN"]


def _agreeing(adjective: str, noun: str) -> tuple[Any, Any] | None:
    """Parses of an adjective (or participle) and a noun that agree in case, number and
    gender, or None."""
    adjectives = _morph().parse(adjective)
    for n in _nouns(noun):
        for a in adjectives:
            # Pronominal adjectives ("эта", "моя", "одна") only point at the noun.
            if (a.tag.POS in _ADJECTIVES and "Apro" not in a.tag and a.tag.case == n.tag.case
                    and a.tag.number == n.tag.number
                    and (n.tag.number == "plur" or a.tag.gender in (None, n.tag.gender))):
                return a, n
    return None


def _genitive(word: str) -> bool:
    return any(p.tag.POS == "NOUN" and p.tag.case == "gent" for p in _morph().parse(word))


def _lemma(parse: Any) -> str:
    return str(parse.normal_form) if not _is_name(parse) else str(parse.word)


def phrase_lemma(words: list[str], lang: str) -> str | None:
    """A candidate's lemma, or None when it is no noun phrase (known for Russian only)."""
    if lang == "ru":
        return russian_phrase(words)
    # The head is lemmatised as written, since in lower case a German plural noun reads as a
    # verb ("zahlen"); the words before it in lower case, since a capitalised sentence-initial
    # adjective reads as a noun ("Kurze" → "Kurzer").
    *before, head = words
    return " ".join([*(simplemma.lemmatize(w.lower(), lang=lang) for w in before),
                     simplemma.lemmatize(head, lang=lang)]).lower()


def russian_phrase(words: list[str]) -> str | None:
    """The lemma of a one- or two-word Russian noun phrase, or None when it is none.

    Kept: a noun ("аккумулятор"), an adjective with its noun ("честная цена", the adjective
    inflected to agree with the noun's lemma), a noun with a noun in the genitive ("размер
    рамы", the second word kept as written) or two nouns in the same case side by side. Verbs,
    adverbs, short adjectives and lone adjectives are not topics.
    """
    return _russian_phrase(tuple(w.lower() for w in words))


# Candidates repeat across the documents of a stream; analysing one costs about 0.4 ms.
@lru_cache(maxsize=100_000)
def _russian_phrase(low: tuple[str, ...]) -> str | None:
    if len(low) > 2:
        return None
    heads = _nouns(low[-1])
    if not heads:
        return None
    if len(low) == 1:
        return _lemma(heads[0])
    pair = _agreeing(low[0], low[1])
    if pair is not None:
        adjective, head = pair
        lemma = head.normalized
        wanted = {"nomn", str(lemma.tag.number or "sing")}
        if lemma.tag.number != "plur" and lemma.tag.gender:
            wanted.add(str(lemma.tag.gender))
        agreed = adjective.inflect(wanted)
        return f"{agreed.word if agreed else adjective.normal_form} {_lemma(head)}"
    firsts = _nouns(low[0])
    if not firsts:
        return None
    # A first name with a surname in the same case is one name ("Владимира Путина" →
    # "владимир путин"), not a noun with a genitive attribute.
    for f in firsts:
        for h in heads:
            if "Name" in f.tag and "Surn" in h.tag and f.tag.case == h.tag.case:
                return f"{_lemma(f)} {_lemma(h)}"
    if _genitive(low[1]):
        return f"{_lemma(firsts[0])} {low[1]}"
    # Two nouns in one case stand side by side ("город Москва", "сервис SunCharge"); in two
    # different cases they belong to different parts of the sentence ("Малайзии Анваром").
    if _is_name(heads[0]) or any(f.tag.case == h.tag.case for f in firsts for h in heads):
        return f"{_lemma(firsts[0])} {_lemma(heads[0])}"
    return None
