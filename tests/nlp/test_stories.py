"""Stories (nlp/stories.py, enrich.cluster_stories): syndicated copies and other outlets'
reports of one event share a story id, on real Zyte benchmark pages with hand-made event
labels; lead embeddings are computed once per work directory."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from brandradar import enrich
from brandradar.crawlers.extraction_eval import extracted, zyte_pages
from brandradar.model import ENRICHED_SCHEMA, MENTION_SCHEMA
from brandradar.nlp.stories import STORIES_VERSION
from brandradar.parquet import partitions, read_rows, write_rows

EXTRACTION = Path(__file__).resolve().parents[1] / "fixtures" / "extraction"
EVENT = "china-bubonic-plague"


def _pages() -> tuple[dict[str, str], list[dict[str, object]]]:
    """Event labels and enriched rows for the pages of one event and six unrelated pages."""
    labels = {r["page"]: r["event"] for r in map(
        json.loads, (EXTRACTION / "zyte_events.jsonl").read_text().splitlines())}
    chosen = [p for p, e in labels.items() if e == EVENT]
    chosen += [p for p, e in labels.items() if e != EVENT and len(e) == 12][:6]
    rows = []
    for page in zyte_pages(EXTRACTION / "zyte"):
        if page.page_id in chosen and (d := extracted(page, datetime.now(UTC))) is not None:
            rows.append({"doc_id": page.page_id, "source": "news", "source_kind": "news",
                         "url": f"https://{page.page_id}.example/", "domain": "x.example",
                         "title": d.title, "text": d.text, "published": d.published,
                         "fetched": d.published, "language": "en", "author_pseudonym": None,
                         "rating": None, "product": None, "key_phrases": [], "story_id": "",
                         "versions": "en-1;stories-minhash-1", "post_id": None,
                         "reply_to": None})
    return labels, rows


def _workdir(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    # An agency copy of the first event page: the same text under another first line.
    first = next(r for r in rows if r["doc_id"] in _EVENT_PAGES)
    copy = {**first, "doc_id": "agency-copy", "text": "(Agency report) " + str(first["text"])}
    forum = {**first, "doc_id": "forum-post", "source_kind": "forum"}
    write_rows(tmp_path / "enriched" / "source=news" / "day=2020-01-01" / "enriched.parquet",
               [*rows, copy, forum], ENRICHED_SCHEMA)
    mention = {"mention_id": "m1", "doc_id": "agency-copy", "brand": "B", "brand_role": "own",
               "start": 0, "end": 1, "matched": "B", "sentiment": "neutral", "score": 0.0,
               "span_text": "B", "source": "news", "source_kind": "news", "domain": "x.example",
               "language": "en", "published": first["published"], "story_id": "",
               "versions": "en-1", "kind": "brand", "in_boilerplate": False, "counted": True}
    write_rows(tmp_path / "mentions" / "source=news" / "day=2020-01-01" / "mentions.parquet",
               [mention], MENTION_SCHEMA)
    return tmp_path


_LABELS, _ROWS = _pages()
_EVENT_PAGES = {p for p, e in _LABELS.items() if e == EVENT}


def test_reports_of_one_event_and_a_copy_are_one_story(tmp_path: Path) -> None:
    assert len(_EVENT_PAGES & {str(r["doc_id"]) for r in _ROWS}) >= 3
    work = _workdir(tmp_path, _ROWS)
    counts = enrich.cluster_stories(work)
    rows = {r["doc_id"]: r for r in read_rows(partitions(work, "enriched"))}
    event_stories = {rows[p]["story_id"] for p in _EVENT_PAGES if p in rows}
    assert len(event_stories) == 1 and rows["agency-copy"]["story_id"] in event_stories
    others = [r["story_id"] for d, r in rows.items() if _LABELS.get(d, EVENT) != EVENT]
    assert len(set(others)) == 6 and not set(others) & event_stories
    # a forum post is never part of a story, however alike its text
    assert rows["forum-post"]["story_id"] == "forum-post"
    assert counts == {"documents": len(rows), "stories": 1 + 6 + 1, "partitions_rewritten": 2}
    mention = read_rows(partitions(work, "mentions"))[0]
    assert mention["story_id"] in event_stories
    # the older story method's tag is replaced, not kept beside the new one
    assert rows["agency-copy"]["versions"] == f"en-1;{STORIES_VERSION}"
    # Run again, nothing changed: no partition is rewritten, so the index has nothing to read.
    stamps = [p.stat().st_mtime_ns for p in partitions(work, "enriched")]
    assert enrich.cluster_stories(work)["partitions_rewritten"] == 0
    assert [p.stat().st_mtime_ns for p in partitions(work, "enriched")] == stamps


def test_lead_embeddings_are_computed_once_and_a_corrupt_cache_is_rebuilt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    work = _workdir(tmp_path, _ROWS)
    embedded: list[int] = []
    real = enrich.embed_plain

    def counting(texts: list[str]) -> object:
        embedded.append(len(texts))
        return real(texts)

    monkeypatch.setattr(enrich, "embed_plain", counting)
    first = enrich.cluster_stories(work)
    # only articles that share a telling name with another within 3 days are embedded: the
    # event's pages and the copy at least, never the forum post
    assert len(embedded) == 1 and len(_EVENT_PAGES) + 1 <= embedded[0] <= len(_ROWS) + 1
    again = {**first, "partitions_rewritten": 0}
    assert enrich.cluster_stories(work) == again and len(embedded) == 1
    cache = work / "state" / "lead-vectors.parquet"
    cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 2])
    with caplog.at_level(logging.WARNING):
        assert enrich.cluster_stories(work) == again
    assert "lead-vectors.parquet is unreadable" in caplog.text
    assert embedded == [embedded[0], embedded[0]]
