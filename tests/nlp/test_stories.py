"""Stories (nlp/stories.py, enrich.cluster_stories): syndicated copies and other outlets'
reports of one event share a story id, on real Zyte benchmark pages with hand-made event
labels; lead embeddings are computed once per work directory."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from brandradar import enrich
from brandradar.crawlers.extraction_eval import extracted, zyte_pages
from brandradar.model import ENRICHED_SCHEMA, MENTION_SCHEMA
from brandradar.nlp.stories import STORIES_VERSION, WINDOW, StoryDoc, assign_stories, regroup
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
    # Run again, nothing changed: nothing is read or rewritten, so the index has nothing to do.
    stamps = [p.stat().st_mtime_ns for p in partitions(work, "enriched")]
    assert enrich.cluster_stories(work) == {"documents": 0, "stories": 0,
                                            "partitions_rewritten": 0}
    assert [p.stat().st_mtime_ns for p in partitions(work, "enriched")] == stamps


def test_later_articles_regroup_only_what_they_touch(tmp_path: Path) -> None:
    event = sorted((r for r in _ROWS if r["doc_id"] in _EVENT_PAGES),
                   key=lambda r: r["published"])  # type: ignore[arg-type, return-value]
    late = event[-1]
    other = next(r for r in _ROWS if r["doc_id"] not in _EVENT_PAGES)
    work = _workdir(tmp_path / "work", [r for r in _ROWS if r is not late and r is not other])
    enrich.cluster_stories(work)
    stamps = [p.stat().st_mtime_ns for p in partitions(work, "enriched")]
    # An unrelated article arrives: its own partition is written, the first day's is not.
    write_rows(work / "enriched" / "source=news" / "day=2020-01-02" / "enriched.parquet",
               [other], ENRICHED_SCHEMA)
    assert enrich.cluster_stories(work)["partitions_rewritten"] == 1
    assert [p.stat().st_mtime_ns for p in partitions(work, "enriched")][:1] == stamps
    # A later report of the event arrives: it joins the event's story (and may bridge two
    # groups of it, renaming one: then the first day's partition is written too).
    write_rows(work / "enriched" / "source=news" / "day=2020-01-03" / "enriched.parquet",
               [late], ENRICHED_SCHEMA)
    enrich.cluster_stories(work)
    rows = {r["doc_id"]: r["story_id"] for r in read_rows(partitions(work, "enriched"))}
    assert rows[str(late["doc_id"])] == rows[str(event[0]["doc_id"])]
    # the same grouping as regrouping everything from scratch
    (work / "state" / "stories.json").unlink()
    enrich.cluster_stories(work)
    assert {r["doc_id"]: r["story_id"] for r in read_rows(partitions(work, "enriched"))} == rows


def test_a_story_keeps_the_id_of_a_report_beyond_the_window() -> None:
    docs = [StoryDoc(str(r["doc_id"]), "news", r["published"], str(r["title"]), str(r["text"]))
            for r in _ROWS]  # type: ignore[arg-type]
    event = [d for d in docs if d.doc_id in _EVENT_PAGES]
    # one of the event's pages was grouped, in an earlier run, with a report now out of reach
    story = regroup(docs, {event[-1].doc_id: "older-report"})
    assert {story[d.doc_id] for d in event} == {"older-report"}
    assert sum(v == "older-report" for v in story.values()) == len(event)


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
    # Without the record of the last run, everything is regrouped: from the cached leads.
    record = work / "state" / "stories.json"
    record.unlink()
    again = {**first, "partitions_rewritten": 0}
    assert enrich.cluster_stories(work) == again and len(embedded) == 1
    cache = work / "state" / "lead-vectors.parquet"
    cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 2])
    record.write_text("{not json")
    with caplog.at_level(logging.WARNING):
        assert enrich.cluster_stories(work) == again
    assert "lead-vectors.parquet is unreadable" in caplog.text
    assert "stories.json is unreadable" in caplog.text
    assert embedded == [embedded[0], embedded[0]]


def test_a_copy_republished_after_the_window_starts_a_story_of_its_own() -> None:
    page = next(r for r in _ROWS if r["doc_id"] in _EVENT_PAGES)
    text, start = str(page["text"]), datetime(2024, 3, 1, 8, tzinfo=UTC)

    def copies(gaps: list[timedelta]) -> dict[str, str]:
        at = [start + sum(gaps[:i], timedelta()) for i in range(len(gaps) + 1)]
        return assign_stories((f"copy-{i}", "news", t.isoformat(), text) for i, t in enumerate(at))

    # a chain of copies each within the window of the last joins one story, however long
    assert set(copies([WINDOW - timedelta(hours=1)] * 3).values()) == {"copy-0"}
    # the same text again a year later is another story (a first build used to chain them)
    assert copies([timedelta(days=2), timedelta(days=365)]) == {
        "copy-0": "copy-0", "copy-1": "copy-0", "copy-2": "copy-2"}
    # an undated copy has no time to be far from
    undated = assign_stories([("a", "news", start.isoformat(), text), ("b", "blog", "", text)])
    assert undated["a"] == undated["b"]


def test_stories_of_documents_that_did_not_change_stay_as_they_were() -> None:
    docs = [StoryDoc(str(r["doc_id"]), "news", r["published"], str(r["title"]), str(r["text"]))
            for r in _ROWS]  # type: ignore[arg-type]
    event = sorted((d for d in docs if d.doc_id in _EVENT_PAGES),
                   key=lambda d: (d.published is None, d.published or datetime.min, d.doc_id))
    others = [d for d in docs if d.doc_id not in _EVENT_PAGES]
    # An earlier run did not tie the event's reports together (the names that tie them are
    # weighed against the articles of that run's window); now one unrelated article arrives.
    stored = {d.doc_id: d.doc_id for d in docs}
    story = regroup(docs, stored, changed={others[0].doc_id})
    assert story == stored
    # Found anew (every document changed), the reports are one story.
    assert len({regroup(docs, stored)[d.doc_id] for d in event}) == 1
    # A new report of the event ties the stories it links to: they merge under the earliest.
    late = event[-1]
    story = regroup(docs, {**stored, late.doc_id: ""}, changed={late.doc_id})
    joined = {d.doc_id for d in event if story[d.doc_id] == story[late.doc_id]}
    assert len(joined) >= 2 and story[late.doc_id] == min(
        joined, key=[d.doc_id for d in event].index)
    assert all(story[d.doc_id] == d.doc_id for d in others)
