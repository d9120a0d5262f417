"""Articles about the same event from different outlets: "four outlets covering one launch".

Near-verbatim copies are found by :mod:`brandradar.nlp.stories` (MinHash); different outlets
write the same news in their own words, often in other languages. Two articles are about one
event when their headline and lead lie at cosine ≥ :data:`SIMILAR` in the multilingual encoder
as published (:func:`brandradar.nlp.encoder.embed_plain`; the sentiment-tuned layers would pull
articles of one tone together), they share a name (a capitalised word that does not begin a
sentence, or an acronym) that is not common outside those days, and — when both are dated —
they were published at most :data:`DAYS` apart. Groups are the connected articles (single
linkage: each link needs all three conditions, so a chain stays on one event). The name must
not be common because in a corpus about one trade every article names the same brands, and
German capitalises every noun: with any shared name, single linkage chained the demo web's
528 articles into groups of up to 405. Common is counted outside the article's days, so an
event's own names count however many outlets report it.

Measured on the Zyte benchmark pages with hand-made event labels
(``tests/fixtures/extraction/zyte_events.jsonl``) by ``python -m brandradar.nlp.events``
(``make eval``; docs/quality.md). :func:`brandradar.nlp.stories.story_groups` joins these
groups with the near-verbatim copies into the stored ``story_id``.
"""

from __future__ import annotations

import json
import re
import sys
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

SIMILAR = 0.90
DAYS = 3
# A name found in more than this share of the articles (or more than RARE_FLOOR, whichever is
# larger) outside the days around an article is too common to tie it to another.
RARE_SHARE = 0.02
RARE_FLOOR = 5
_LEAD_CHARS = 300
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-ZÄÖÜА-ЯЁ][\w-]{2,}|[A-ZÄÖÜА-ЯЁ]{2,})\b")
BEGIN, END = "<!-- events: written by `make eval` -->", "<!-- end of events -->"


@dataclass(frozen=True)
class Article:
    """What event grouping reads of a document."""

    doc_id: str
    title: str
    text: str
    published: datetime | None


def names(text: str) -> set[str]:
    """Capitalised words that do not begin a sentence, and acronyms (lower-cased)."""
    return {m.group(1).lower() for m in _NAME.finditer(text)}


def leads(articles: Sequence[Article]) -> list[str]:
    """What is embedded of each article: its headline and the start of its text."""
    return [f"{a.title}. {a.text[:_LEAD_CHARS]}" for a in articles]


def event_groups(articles: Sequence[Article],
                 embed: Callable[[Sequence[Article]], np.ndarray] | None = None,
                 threshold: float = SIMILAR, days: int = DAYS) -> dict[str, str]:
    """doc id → the doc id that names its event group (its first article, earliest, undated
    last): the articles connected by :func:`event_links`."""
    def when(a: Article) -> tuple[bool, float]:
        return a.published is None, a.published.timestamp() if a.published else 0.0

    return join([a.doc_id for a in sorted(articles, key=when)],
                event_links(articles, embed, threshold, days))


def event_links(articles: Sequence[Article],
                embed: Callable[[Sequence[Article]], np.ndarray] | None = None,
                threshold: float = SIMILAR, days: int = DAYS,
                touching: set[str] | None = None) -> list[tuple[str, str]]:
    """The pairs of articles (doc ids) that are about one event.

    Candidate pairs come first, from names and dates alone: two articles at most ``days``
    apart that share a telling name. Only the articles of a candidate pair are embedded
    (``embed``: lead embeddings of the given articles, in order; ``embed_plain`` of their
    :func:`leads` by default), so the cost grows with the articles that could be one event,
    not with the corpus. ``touching``: only pairs with one of these doc ids are wanted (an
    hourly run's new documents; the names are still weighed against all ``articles``), so
    the leads of older articles are embedded only where a new one may join them.
    """
    found = [names(lead) for lead in leads(articles)]
    # A name that many articles carry outside the days around an article (the brand itself, or
    # a common noun, which German writes capitalised) says nothing about its event; an event's
    # own names come in a burst, however many outlets report it.
    frequency = Counter(n for f in found for n in f)
    stamps: dict[str, list[float]] = {}
    for a, f in zip(articles, found, strict=True):
        for n in f:
            if a.published is not None:
                stamps.setdefault(n, []).append(a.published.timestamp())
    for times_of in stamps.values():
        times_of.sort()
    limit = max(RARE_FLOOR, RARE_SHARE * len(articles))
    window = days * 86400

    def telling(name: str, article: Article) -> bool:
        if article.published is None:
            return frequency[name] <= limit
        t, ts = article.published.timestamp(), stamps[name]
        inside = bisect_right(ts, t + window) - bisect_left(ts, t - window)
        return frequency[name] - inside <= limit

    carriers: dict[str, list[int]] = {}
    for i, (article, f) in enumerate(zip(articles, found, strict=True)):
        for n in f:
            if telling(n, article):
                carriers.setdefault(n, []).append(i)
    wanted = [touching is None or a.doc_id in touching for a in articles]
    pairs: set[tuple[int, int]] = set()
    for members in carriers.values():
        for k, i in enumerate(members):
            for j in members[k + 1 :]:
                if not (wanted[i] or wanted[j]):
                    continue
                t_i, t_j = articles[i].published, articles[j].published
                if t_i is None or t_j is None or abs((t_i - t_j).total_seconds()) <= window:
                    pairs.add((i, j))
    needed = sorted({i for pair in pairs for i in pair})
    if embed is None:
        from brandradar.nlp.encoder import embed_plain

        def embed(chosen: Sequence[Article]) -> np.ndarray:
            return embed_plain(leads(chosen))

    vectors = dict(zip(needed, embed([articles[i] for i in needed]), strict=True))
    return [(articles[i].doc_id, articles[j].doc_id) for i, j in sorted(pairs)
            if float(vectors[i] @ vectors[j]) >= threshold]


def join(order: Sequence[str], links: Iterable[tuple[str, str]]) -> dict[str, str]:
    """id → the id that names its group: the ids connected by ``links`` form a group (single
    linkage), named by its member that comes first in ``order``."""
    parent = {x: x for x in order}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        parent[root(b)] = root(a)
    first: dict[str, str] = {}
    for x in order:
        first.setdefault(root(x), x)
    return {x: first[root(x)] for x in order}


def bcubed(gold: dict[str, str], predicted: dict[str, str]) -> tuple[float, float]:
    """B-cubed precision (purity) and recall (completeness) of a grouping."""
    ids = list(gold)
    by_gold: dict[str, set[str]] = {}
    by_pred: dict[str, set[str]] = {}
    for i in ids:
        by_gold.setdefault(gold[i], set()).add(i)
        by_pred.setdefault(predicted[i], set()).add(i)
    precision = np.mean([len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_pred[predicted[i]])
                         for i in ids])
    recall = np.mean([len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_gold[gold[i]])
                      for i in ids])
    return float(precision), float(recall)


def main() -> None:
    """Command line: PAGES_DIR LABELS.jsonl DOC.md — measure and rewrite the table in DOC.md."""
    from datetime import UTC

    from brandradar.crawlers.extraction_eval import extracted, gold_pages
    from brandradar.doctables import write_between

    pages_dir, labels, doc = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    gold = {r["page"]: r["event"] for r in map(json.loads, labels.read_text().splitlines())}
    articles = []
    for page in gold_pages(pages_dir):
        if page.page_id not in gold:
            continue
        d = extracted(page, datetime.now(UTC))
        articles.append(Article(page.page_id, d.title if d else "", d.text if d else page.gold,
                                d.published if d else None))
    from brandradar.nlp.stories import assign_stories

    events = len({e for e in gold.values()})
    multi = sum(1 for e in set(gold.values()) if list(gold.values()).count(e) > 1)
    copies = assign_stories((a.doc_id, "news", "", a.text) for a in articles)
    rows = ["| grouping | pages | events (with ≥ 2 pages) | groups found | purity (B³ precision) "
            "| completeness (B³ recall) |", "|---|---:|---:|---:|---:|---:|"]
    for name, predicted in (("near-verbatim copies (MinHash, the story_id before events)", copies),
                            ("events (this module)", event_groups(articles))):
        precision, recall = bcubed(gold, predicted)
        rows.append(f"| {name} | {len(gold)} | {events} ({multi}) | "
                    f"{len(set(predicted.values()))} | {precision:.3f} | {recall:.3f} |")
    table = "\n".join(rows) + "\n"
    write_between(doc, BEGIN, END, table)
    print(table)


if __name__ == "__main__":
    main()
