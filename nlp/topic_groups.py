"""One topic for one concept across languages and spellings: "Akku", "battery", "аккумулятор".

Key phrases are lemmatised per language, so the same concept named in German, English and
Russian arrives as three phrases. Phrases are grouped when the multilingual encoder (as
published, without the sentiment-tuned layers: :func:`brandradar.nlp.encoder.embed_plain`) puts
every pair of them at cosine ≥ :data:`SIMILAR` — complete linkage, so no chain of near
neighbours ("battery" → "battery life" → "battery charger") becomes one topic. Names are left
alone: a phrase with digits, an inner capital or all capitals ("iPhone 15", "SunCharge",
"ADAC"), or a single word of at most three letters (key phrases are stored in lower case, so
"spd", "afd", "usa" are only recognisable as acronyms by their length), only ever stands for
itself, because an encoder finds "iPhone 14" and "iPhone 15" nearly identical. Where the
language of each phrase is known, two phrases of the same language group only when they are one
spelling ("e-bike", "ebike"): the encoder also puts near neighbours of one language at 0.90
("team" and "company", "school" and "office" on real news), and those are different topics. A
project's own topic aliases (``topics`` in the project config) are applied before this, by the
key-phrase component.

The threshold was chosen on hand-made triples of everyday brand-listening concepts (battery,
price, engine, delivery, brakes, customer service, frame in de/en/ru): at 0.90 six of seven
concepts group across languages and no two concepts mix (the nearest different pair was 0.898).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

SIMILAR = 0.90
_NAME = re.compile(r"\d|[a-zäöüа-яё][A-ZÄÖÜА-ЯЁ]|^[A-ZÄÖÜА-ЯЁ]{2,}$|^[^\W\d_]{1,3}$")
_SPELLING = re.compile(r"[\W_]+")
# Embeddings of phrases seen in this process; emptied when it grows past this many, so a
# long-lived worker does not keep every phrase it ever saw.
_CACHE_SIZE = 100_000
_cache: dict[str, np.ndarray] = {}


def is_name(phrase: str) -> bool:
    """Whether a phrase is a name or model number that only stands for itself."""
    return bool(_NAME.search(phrase))


def _vectors(phrases: list[str]) -> np.ndarray:
    from brandradar.nlp.encoder import embed_plain

    missing = [p for p in phrases if p not in _cache]
    if len(_cache) + len(missing) > _CACHE_SIZE:
        _cache.clear()
        missing = list(dict.fromkeys(phrases))
    if missing:
        _cache.update(zip(missing, embed_plain(missing), strict=True))
    return np.array([_cache[p] for p in phrases])


def same_spelling(a: str, b: str) -> bool:
    """Whether two phrases are one spelling (case, accents, hyphens and spaces aside)."""
    def key(p: str) -> str:
        return _SPELLING.sub("", unicodedata.normalize("NFKD", p.casefold()).encode(
            "ascii", "ignore").decode() or p.casefold())
    return key(a) == key(b)


def main_languages(uses: Iterable[tuple[str, str]]) -> dict[str, str]:
    """phrase → the language most of its uses (``(phrase, language)`` pairs) are in."""
    counts: dict[str, Counter[str]] = {}
    for phrase, language in uses:
        counts.setdefault(phrase, Counter())[language] += 1
    return {p: c.most_common(1)[0][0] for p, c in counts.items()}


def group_phrases(phrases: Sequence[str], threshold: float = SIMILAR,
                  languages: Mapping[str, str] | None = None) -> dict[str, str]:
    """phrase → the phrase that names its group (the first of the group in ``phrases``, so
    pass them most frequent first). Phrases without a group map to themselves. With
    ``languages`` (phrase → language), phrases of one language group only as one spelling."""
    order = list(dict.fromkeys(phrases))
    out = {p: p for p in order}
    candidates = [p for p in order if not is_name(p)]
    if len(candidates) < 2:
        return out
    vectors = _vectors(candidates)
    sims = vectors @ vectors.T
    lang = [(languages or {}).get(p) for p in candidates]

    def may_join(i: int, j: int) -> bool:
        if sims[i, j] < threshold:
            return False
        return lang[i] is None or lang[i] != lang[j] or same_spelling(candidates[i],
                                                                      candidates[j])

    groups: list[list[int]] = []
    for i in range(len(candidates)):
        for g in groups:
            if all(may_join(i, j) for j in g):
                g.append(i)
                break
        else:
            groups.append([i])
    for g in groups:
        for i in g:
            out[candidates[i]] = candidates[g[0]]
    return out


def topics_of(frequency: Mapping[str, int], languages: Mapping[str, str] | None = None,
              ) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The topic of each phrase (phrase → the phrase that names its group) and each topic's other
    spellings, from how many documents use each phrase (and, when known, each phrase's main
    language: :func:`main_languages`); the most frequent names its group (ties: the first
    alphabetically). Only phrases in two or more documents are grouped: a
    phrase seen once cannot trend and is not worth an embedding."""
    # Ties alphabetically: the name of a topic must not depend on the order rows come in.
    frequent = sorted((p for p, n in frequency.items() if n >= 2),
                      key=lambda p: (-frequency[p], p))
    groups = group_phrases(frequent, languages=languages)
    variants: dict[str, list[str]] = {}
    for phrase in frequency:
        topic = groups.get(phrase, phrase)
        if topic != phrase:
            variants.setdefault(topic, []).append(phrase)
    return ({p: groups.get(p, p) for p in frequency},
            {t: sorted(v) for t, v in variants.items()})
