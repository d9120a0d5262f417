"""One topic for one concept across languages and spellings: "Akku", "battery", "аккумулятор".

Key phrases are lemmatised per language, so the same concept named in German, English and
Russian arrives as three phrases. Phrases are grouped when the multilingual encoder (as
published, without the sentiment-tuned layers: :func:`brandradar.nlp.encoder.embed_plain`) puts
every pair of them at cosine ≥ :data:`SIMILAR` — complete linkage, so no chain of near
neighbours ("battery" → "battery life" → "battery charger") becomes one topic. Names are left
alone: a phrase with digits, an inner capital or all capitals ("iPhone 15", "SunCharge",
"ADAC") only ever stands for itself, because an encoder finds "iPhone 14" and "iPhone 15"
nearly identical. A project's own topic aliases (``topics`` in the project config) are applied
before this, by the key-phrase component.

The threshold was chosen on hand-made triples of everyday brand-listening concepts (battery,
price, engine, delivery, brakes, customer service, frame in de/en/ru): at 0.90 six of seven
concepts group across languages and no two concepts mix (the nearest different pair was 0.898).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

SIMILAR = 0.90
_NAME = re.compile(r"\d|[a-zäöüа-яё][A-ZÄÖÜА-ЯЁ]|^[A-ZÄÖÜА-ЯЁ]{2,}$")
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


def group_phrases(phrases: Sequence[str], threshold: float = SIMILAR) -> dict[str, str]:
    """phrase → the phrase that names its group (the first of the group in ``phrases``, so
    pass them most frequent first). Phrases without a group map to themselves."""
    order = list(dict.fromkeys(phrases))
    out = {p: p for p in order}
    candidates = [p for p in order if not is_name(p)]
    if len(candidates) < 2:
        return out
    vectors = _vectors(candidates)
    sims = vectors @ vectors.T
    groups: list[list[int]] = []
    for i in range(len(candidates)):
        for g in groups:
            if all(sims[i, j] >= threshold for j in g):
                g.append(i)
                break
        else:
            groups.append([i])
    for g in groups:
        for i in g:
            out[candidates[i]] = candidates[g[0]]
    return out


def topics_of(frequency: Mapping[str, int]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The topic of each phrase (phrase → the phrase that names its group) and each topic's other
    spellings, from how many documents use each phrase. Only phrases in two or more documents
    are grouped: a phrase seen once cannot trend and is not worth an embedding."""
    frequent = sorted((p for p, n in frequency.items() if n >= 2), key=lambda p: -frequency[p])
    groups = group_phrases(frequent)
    variants: dict[str, list[str]] = {}
    for phrase in frequency:
        topic = groups.get(phrase, phrase)
        if topic != phrase:
            variants.setdefault(topic, []).append(phrase)
    return ({p: groups.get(p, p) for p in frequency},
            {t: sorted(v) for t, v in variants.items()})
