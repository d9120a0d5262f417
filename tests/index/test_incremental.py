"""The store is built incrementally from the enriched partitions that changed (index/manifest.py):
after every kind of change the incremental store equals one built from scratch, and a run takes
in only the partitions that changed. Rows carry real fundus news texts."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from brandradar.index.duckdb.store import DuckDBStore
from brandradar.index.manifest import scan
from brandradar.index.store import Correction
from brandradar.model import ENRICHED_SCHEMA, MENTION_SCHEMA
from brandradar.parquet import write_rows
from tests.index.test_store_swap import rows

LABEL = "label-1"


def put(work: Path, folder: str, first: int, count: int, **change: Any) -> None:
    """Write one enriched partition (and its mentions) of documents ``first`` … ``+count``."""
    docs, mentions = rows(first, count)
    # Stories of two documents hours apart and forum authors answering each other, both across
    # partitions: what the rollup's story and author counts depend on beyond the changed hours.
    for d, m in zip(docs, mentions, strict=True):
        n = int(d["doc_id"][1:])
        d["story_id"] = m["story_id"] = f"s{(n + 1) // 2}"
        d.update(source_kind="forum", source="forum", author_pseudonym=f"a{n % 4}",
                 post_id=f"p{n}", reply_to=f"p{n - 3}" if n % 2 else None)
        m.update(source_kind="forum", source="forum")
    for d in docs:
        d.update({k: v for k, v in change.items() if k in d})
    for m in mentions:  # a mention's published is its document's, as enrich writes it
        m.update({k: v for k, v in change.items() if k in m})
    write_rows(work / "enriched" / folder / "enriched.parquet", docs, ENRICHED_SCHEMA)
    write_rows(work / "mentions" / folder / "mentions.parquet", mentions, MENTION_SCHEMA)


def sync(path: Path, work: Path, labels: list[Correction] | None = None) -> Any:
    store = DuckDBStore(path)
    result = store.sync(scan(work), labels or [], LABEL)
    store.close()
    return result


def content(path: Path) -> tuple[list[Any], list[Any], dict[str, int], list[Any]]:
    store = DuckDBStore(path, read_only=True)
    try:
        docs = store.con.execute("SELECT doc_id, fetched, title, versions FROM documents"
                                 " ORDER BY doc_id").fetchall()
        mentions = store.con.execute("SELECT mention_id, doc_id, sentiment, score, versions"
                                     " FROM mentions ORDER BY mention_id").fetchall()
        rollup = [store.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                  for t in ("mention_rollup", "story_rollup", "author_rollup", "author_posts",
                            "author_month", "author_posts_month", "search_terms", "search_docs")]
        return docs, mentions, store.brand_counts(None, None, per_story=False), rollup
    finally:
        store.close()


def same_as_fresh(tmp: Path, work: Path, path: Path, labels: list[Correction] | None = None) -> None:
    fresh = tmp / "fresh.duckdb"
    fresh.unlink(missing_ok=True)
    sync(fresh, work, labels)
    assert content(path) == content(fresh)


def test_each_change_is_taken_in_and_equals_a_fresh_build(tmp_path: Path) -> None:
    work, db = tmp_path / "work", tmp_path / "store.duckdb"
    put(work, "source=a/day=2026-11-01", 0, 10)
    put(work, "source=a/day=2026-11-02", 10, 10)
    put(work, "source=b/day=2026-11-01", 20, 10)
    first = sync(db, work)
    assert (first.partitions, len(first.written)) == (3, 30)
    assert sync(db, work).partitions == 0  # nothing changed: nothing read

    # A new day arrives: only it is read.
    put(work, "source=b/day=2026-11-02", 30, 5)
    step = sync(db, work)
    assert (step.partitions, len(step.written), step.removed) == (1, 5, [])
    same_as_fresh(tmp_path, work, db)

    # A page fetched again later (a thread with new posts): the newer fetch wins, with its own
    # mentions; the older partition is untouched.
    later = rows(0, 1)[0][0]["fetched"].replace(year=2027)
    put(work, "source=a/day=2026-11-03", 0, 2, fetched=later, title="edited", sentiment="negative")
    step = sync(db, work)
    assert step.partitions == 1
    docs, mentions, _, _ = content(db)
    assert {d[0]: d[2] for d in docs}["d0"] == "edited"
    assert {m[0]: m[2] for m in mentions}["m0"] == "negative"
    same_as_fresh(tmp_path, work, db)

    # The newer partition goes away again: the older version comes back from its partition.
    shutil.rmtree(work / "enriched" / "source=a" / "day=2026-11-03")
    shutil.rmtree(work / "mentions" / "source=a" / "day=2026-11-03")
    step = sync(db, work)
    assert step.partitions == 1 and sorted(step.written) == ["d0", "d1"]
    assert {d[0]: d[2] for d in content(db)[0]}["d0"] != "edited"
    same_as_fresh(tmp_path, work, db)

    # A removed partition takes its documents and mentions with it.
    shutil.rmtree(work / "enriched" / "source=b")
    step = sync(db, work)
    assert len(step.removed) == 15 and step.partitions == 2
    docs, mentions, counts, _ = content(db)
    assert len(docs) == 20 and len(mentions) == 20 and counts == {"BR": 20}
    same_as_fresh(tmp_path, work, db)
    # The search follows: a removed document is not found, a kept one is, by a word of its text.
    store = DuckDBStore(db, read_only=True)
    kept, gone = rows(0, 1)[0][0], rows(25, 1)[0][0]
    word = max(kept["text"].split(), key=len).strip(".,;:!?\"'()")
    assert "d0" in {h.doc_id for h in store.explore(word, None, None, fold="none").rows}
    title = max(gone["title"].split(), key=len)
    assert "d25" not in {h.doc_id for h in store.explore(title, None, None, fold="none").rows}
    store.close()


def test_runs_reaching_undated_posts_and_older_months_equal_a_fresh_build(tmp_path: Path) -> None:
    """A partial rollup bounds its scans by the hours a run touched (their first to their last,
    undated rows apart): changes that reach a post a month older (a reply, a story) and undated
    posts still leave the store equal to a fresh build."""
    work, db = tmp_path / "work", tmp_path / "store.duckdb"
    october = datetime(2026, 10, 1, 9, tzinfo=UTC)
    put(work, "source=a/day=2026-10-01", 0, 6, published=october, fetched=october)
    sync(db, work)
    # d7 answers p4 of October, d6 shares d5's story.
    put(work, "source=a/day=2026-11-01", 6, 6)
    sync(db, work)
    same_as_fresh(tmp_path, work, db)
    # Undated posts, one answering a dated post (d13 → p10), one an undated one (d15 → p12).
    put(work, "source=u/day=2026-11-02", 12, 4, published=None)
    sync(db, work)
    same_as_fresh(tmp_path, work, db)
    put(work, "source=u/day=2026-11-02", 12, 4, published=None, title="edited")
    step = sync(db, work)
    assert step.partitions == 1 and len(step.written) == 4
    same_as_fresh(tmp_path, work, db)
    replies = DuckDBStore(db, read_only=True)
    try:
        counts = dict(replies.con.execute(
            "SELECT hour IS NULL, sum(replies) FROM author_posts GROUP BY ALL").fetchall())
    finally:
        replies.close()
    assert counts == {False: 6, True: 1}  # p0 … p10 dated, p12 undated


def test_a_rewritten_partition_replaces_mentions_and_skips_uncounted(tmp_path: Path) -> None:
    work, db = tmp_path / "work", tmp_path / "store.duckdb"
    put(work, "source=a/day=2026-11-01", 0, 6)
    sync(db, work)
    # Re-enriched: the matcher now calls these mentions furniture (kept in Parquet, not counted).
    put(work, "source=a/day=2026-11-01", 0, 6, counted=False)
    step = sync(db, work)
    assert step.partitions == 1 and len(step.written) == 6
    docs, mentions, counts, _ = content(db)
    assert len(docs) == 6 and mentions == [] and counts == {}
    same_as_fresh(tmp_path, work, db)


def test_label_corrections_reach_unchanged_partitions_and_can_change(tmp_path: Path) -> None:
    work, db = tmp_path / "work", tmp_path / "store.duckdb"
    put(work, "source=a/day=2026-11-01", 0, 5)
    sync(db, work)
    labels: list[Correction] = [("m3", "negative", -1.0)]
    step = sync(db, work, labels)
    assert step.partitions == 0 and step.written == ["d3"] and step.corrected == 1
    mentions = {m[0]: m for m in content(db)[1]}
    assert mentions["m3"][2:4] == ("negative", -1.0) and mentions["m3"][4].endswith(";" + LABEL)
    same_as_fresh(tmp_path, work, db, labels)
    # Changed again: the newest label holds; the model's label comes back when none is left.
    labels = [("m3", "positive", 1.0)]
    sync(db, work, labels)
    assert {m[0]: m[2] for m in content(db)[1]}["m3"] == "positive"
    same_as_fresh(tmp_path, work, db, labels)
    sync(db, work, [])
    assert {m[0]: m[2:] for m in content(db)[1]}["m3"] == ("neutral", 0.0, "t")


def test_partitions_written_by_an_older_release_load(tmp_path: Path) -> None:
    """Parquet written before ``kind``, ``counted`` and ``post_id`` existed still indexes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    work, db = tmp_path / "work", tmp_path / "store.duckdb"
    put(work, "source=a/day=2026-11-01", 0, 4)
    for stage, drop in (("enriched", ["post_id", "reply_to"]),
                        ("mentions", ["kind", "in_boilerplate", "counted"])):
        path = work / stage / "source=a/day=2026-11-01" / f"{stage}.parquet"
        table: pa.Table = pq.read_table(path)
        pq.write_table(table.drop_columns(drop), path)
    step = sync(db, work)
    assert len(step.written) == 4
    assert content(db)[2] == {"BR": 4}


def test_a_store_from_before_the_manifest_is_rebuilt_from_the_partitions(tmp_path: Path) -> None:
    work, db = tmp_path / "work", tmp_path / "store.duckdb"
    store = DuckDBStore(db)
    store.upsert(*rows(100, 3))  # rows no partition holds
    store.close()
    put(work, "source=a/day=2026-11-01", 0, 4)
    sync(db, work)
    assert [d[0] for d in content(db)[0]] == ["d0", "d1", "d2", "d3"]
