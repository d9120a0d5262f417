"""Articles about the same event from different outlets: "four outlets covering one launch".

Near-verbatim copies are found by :mod:`brandradar.nlp.stories` (MinHash); different outlets
write the same news in their own words, often in other languages. Two articles are about one
event when their headline and lead lie at cosine ≥ :data:`SIMILAR` in the multilingual encoder
as published (:func:`brandradar.nlp.encoder.embed_plain`; the sentiment-tuned layers would pull
articles of one tone together), they share a name (a capitalised word that does not begin a
sentence, or an acronym), and — when both are dated — they were published at most
:data:`DAYS` apart. Groups are the connected articles (single linkage: each link needs all
three conditions, so a chain stays on one event).

Measured on the Zyte benchmark pages with hand-made event labels
(``tests/fixtures/extraction/zyte_events.jsonl``) by ``python -m brandradar.nlp.events``
(``make eval``; docs/quality.md). Not yet used for the stored ``story_id``, which counts
syndicated copies once in the per-story share of voice (docs/metrics.md).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

SIMILAR = 0.90
DAYS = 3
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


def event_groups(articles: Sequence[Article], threshold: float = SIMILAR,
                 days: int = DAYS) -> dict[str, str]:
    """doc id → the doc id that names its event group (its first article)."""
    from brandradar.nlp.encoder import embed_plain

    leads = [f"{a.title}. {a.text[:_LEAD_CHARS]}" for a in articles]
    vectors = embed_plain(leads)
    sims = vectors @ vectors.T
    found = [names(lead) for lead in leads]
    parent = list(range(len(articles)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(articles)):
        for j in range(i + 1, len(articles)):
            if sims[i, j] < threshold or not found[i] & found[j]:
                continue
            a, b = articles[i].published, articles[j].published
            if a is not None and b is not None and abs((a - b).total_seconds()) > days * 86400:
                continue
            parent[root(j)] = root(i)
    return {a.doc_id: articles[root(i)].doc_id for i, a in enumerate(articles)}


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
    for name, predicted in (("near-verbatim copies (MinHash, today's story_id)", copies),
                            ("events (this module)", event_groups(articles))):
        precision, recall = bcubed(gold, predicted)
        rows.append(f"| {name} | {len(gold)} | {events} ({multi}) | "
                    f"{len(set(predicted.values()))} | {precision:.3f} | {recall:.3f} |")
    table = "\n".join(rows) + "\n"
    write_between(doc, BEGIN, END, table)
    print(table)


if __name__ == "__main__":
    main()
