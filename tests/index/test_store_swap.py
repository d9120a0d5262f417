"""The DuckDB store is published atomically (index/duckdb/store.py): a reader never blocks a
writer and never sees half a write, a failed or killed write leaves the previous store whole.
Rows are built from real fundus news pages."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from brandradar.index.duckdb.store import DuckDBStore

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "extraction" / "fundus" / "gold.jsonl"
BATCH = 10


def rows(first: int, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Documents ``first`` … ``first + count - 1`` (real titles and texts, recycled) and one
    mention of each."""
    pages = [json.loads(line) for line in GOLD.read_text().splitlines()]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    docs, mentions = [], []
    for n in range(first, first + count):
        page = pages[n % len(pages)]
        when = start + timedelta(hours=n)
        docs.append({"doc_id": f"d{n}", "source": page["publisher"], "source_kind": "news",
                     "url": page["url"], "domain": "news.example", "title": page["title"],
                     "text": page["plain_text"], "published": when, "fetched": when,
                     "language": page["lang"], "author_pseudonym": None, "rating": None,
                     "product": None, "key_phrases": [], "story_id": f"d{n}", "versions": "t",
                     "post_id": None, "reply_to": None})
        mentions.append({"mention_id": f"m{n}", "doc_id": f"d{n}", "brand": "BR",
                         "brand_role": "own", "start": 0, "end": 2, "matched": "BR",
                         "sentiment": "neutral", "score": 0.0, "span_text": page["title"],
                         "source": page["publisher"], "source_kind": "news",
                         "domain": "news.example", "language": page["lang"], "published": when,
                         "story_id": f"d{n}", "versions": "t", "kind": "brand",
                         "in_boilerplate": False, "counted": True})
    return docs, mentions


def write(path: Path, first: int, count: int) -> None:
    store = DuckDBStore(path)
    store.upsert(*rows(first, count))
    store.close()


def consistent(path: Path) -> int:
    """The number of documents a fresh reader sees, after checking that it sees one whole
    version: every batch complete, one mention per document, the rollup agreeing with the rows."""
    store = DuckDBStore(path, read_only=True)
    try:
        counts = store.counts()
        assert counts["documents"] % BATCH == 0, counts
        assert counts["mentions"] == counts["documents"], counts
        by_rollup = store.brand_counts(None, None, False)
        store.use_rollup = False
        assert store.brand_counts(None, None, False) == by_rollup
        return counts["documents"]
    finally:
        store.close()


def test_a_reader_does_not_block_a_writer_and_reopens_on_publish(tmp_path: Path) -> None:
    path = tmp_path / "brandradar.duckdb"
    write(path, 0, BATCH)
    reader = DuckDBStore(path, read_only=True)
    try:
        assert reader.counts()["documents"] == BATCH
        write(path, BATCH, BATCH)  # the dashboard's open file made this fail before
        assert reader.counts()["documents"] == BATCH  # still the version it opened
        assert reader.refresh() and reader.counts()["documents"] == 2 * BATCH
        assert not reader.refresh()
    finally:
        reader.close()


def test_a_failed_write_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "brandradar.duckdb"
    write(path, 0, BATCH)
    store = DuckDBStore(path)
    store.upsert(*rows(BATCH, BATCH))
    store.abort()
    assert consistent(path) == BATCH
    assert not (tmp_path / "brandradar.duckdb.next").exists()
    # the lock was let go: the next writer does not wait
    write(path, BATCH, BATCH)
    assert consistent(path) == 2 * BATCH


def test_a_store_with_key_indexes_loses_them_and_keeps_its_rows(tmp_path: Path) -> None:
    # Stores written before 2026-12-04 had a primary key on documents, mentions and search_docs,
    # whose index DuckDB rewrites whole at every checkpoint.
    import duckdb

    path = tmp_path / "brandradar.duckdb"
    write(path, 0, BATCH)
    con = duckdb.connect(str(path))
    for table, key in (("documents", "doc_id"), ("mentions", "mention_id"),
                       ("search_docs", "doc_id")):
        con.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({key})")
    found = con.execute("SELECT * FROM search_terms ORDER BY ALL").fetchall()
    con.close()
    write(path, 0, BATCH)  # the same documents again: replaced, not doubled
    write(path, BATCH, BATCH)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT table_name FROM duckdb_constraints() WHERE constraint_type ="
                       " 'PRIMARY KEY' AND table_name IN ('documents', 'mentions',"
                       " 'search_docs')").fetchall() == []
    assert con.execute("SELECT * FROM search_terms WHERE doc_id IN (SELECT 'd' || range"
                       " FROM range(10)) ORDER BY ALL").fetchall() == found
    con.close()
    assert consistent(path) == 2 * BATCH


_WRITER = """
import sys
from tests.index.test_store_swap import BATCH, write
from pathlib import Path
print("ready", flush=True)
n = 1
while True:
    write(Path(sys.argv[1]), n * BATCH, BATCH)
    n += 1
"""


def test_kill_9_at_any_moment_leaves_one_consistent_version(tmp_path: Path) -> None:
    path = tmp_path / "brandradar.duckdb"
    write(path, 0, BATCH)
    rng = random.Random(14)
    root = Path(__file__).resolve().parents[2]
    seen = [BATCH]
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], cwd=root,
                                env={**os.environ, "PYTHONPATH": str(root)},
                                stdout=subprocess.PIPE, text=True)
        # The kill falls in the writes, not in the imports (slow on a loaded machine).
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        deadline = time.monotonic() + rng.uniform(1.0, 4.0)
        try:
            # Readers open the store again and again while the writer runs.
            while time.monotonic() < deadline:
                seen.append(consistent(path))
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        seen.append(consistent(path))
    # the writer published between the kills, and no reader ever saw the store shrink
    assert seen[-1] > BATCH
    assert seen == sorted(seen)
