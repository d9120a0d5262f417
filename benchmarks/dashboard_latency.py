"""Dashboard page-data latency on a DuckDB store with millions of generated mentions.

The store is filled by SQL: documents over a year (one in 25 a syndicated copy), 5 brands, 12
sources of four kinds, three languages, 3,000 authors per forum or review source, a fifth of
their posts replies. Then every page's data (``/api/<page>`` without HTTP) is requested with
views a user would pick: all data, the last 7, 30 or 90 days, all brands or two.
``python benchmarks/dashboard_latency.py [MENTIONS]`` prints p50/p95 per page.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from brandradar.config import Brand
from brandradar.dashboards.web.api import page_data
from brandradar.index.duckdb.store import DuckDBStore

BRANDS = [Brand(name=n, role="own" if n == "Voltaro" else "competitor")
          for n in ("Voltaro", "Pedalix", "Strombike", "Nordrad", "Kompass")]
PAGES = ("meta", "overview", "brand", "alerts", "mentions", "authors")
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def fill(path: Path, mentions: int) -> DuckDBStore:
    """A store with ``mentions`` mentions on mentions/2 documents."""
    store = DuckDBStore(path)
    docs = mentions // 2
    minutes = 365 * 24 * 60
    store.con.execute(f"""
        INSERT INTO documents SELECT
            'd' || i, 'src' || (i % 12),
            CASE i % 4 WHEN 0 THEN 'news' WHEN 1 THEN 'blog' WHEN 2 THEN 'forum' ELSE 'review' END,
            'https://example.org/' || i, 'example.org', 'Title ' || i, 'Text of document ' || i,
            TIMESTAMPTZ '{NOW.isoformat()}' - to_minutes(CAST((i * 7919) % {minutes} AS BIGINT)),
            TIMESTAMPTZ '{NOW.isoformat()}',
            CASE i % 3 WHEN 0 THEN 'de' WHEN 1 THEN 'en' ELSE 'ru' END,
            CASE WHEN i % 4 >= 2 THEN 'a' || (i % 12) || '-' || (hash(i) % 3000) END, NULL, NULL,
            ['phrase' || (i % 500), 'topic' || (i % 77)],
            CASE WHEN i % 25 = 1 THEN 'd' || (i - 1) ELSE 'd' || i END, 'bench',
            'p' || i, CASE WHEN i % 4 >= 2 AND i % 5 = 0 AND i >= 12 THEN 'p' || (i - 12) END
        FROM range({docs}) t(i)""")
    store.con.execute(f"""
        INSERT INTO mentions SELECT
            'm' || j, d.doc_id,
            list_extract(['Voltaro', 'Pedalix', 'Strombike', 'Nordrad', 'Kompass'],
                         CAST(1 + (hash(j) % 5) AS INTEGER)),
            'competitor', 0, 7, 'Voltaro',
            list_extract(['positive', 'negative', 'neutral', 'neutral', 'unscored'],
                         CAST(1 + (hash(j * 31) % 5) AS INTEGER)),
            0.1, 'a clause about the brand', d.source, d.source_kind, d.domain, d.language,
            d.published, d.story_id, 'bench', 'brand', false, true
        FROM range({mentions}) t(j) JOIN documents d ON d.doc_id = 'd' || (j % {docs})""")
    store.build_rollup()  # what the index stage's close() does after a write
    store.con.execute("CHECKPOINT")
    return store


def views(rng: random.Random) -> list[dict[str, list[str]]]:
    """View states a user picks: period and brands."""
    out = []
    for days in (None, 7, 30, 90):
        for brands in ("", "Voltaro,Pedalix"):
            q: dict[str, list[str]] = {}
            if days:
                last = NOW.date() - timedelta(days=rng.randint(0, 30))
                q["from"] = [str(last - timedelta(days=days - 1))]
                q["to"] = [str(last)]
            if brands:
                q["brands"] = [brands]
            out.append(q)
    return out


def measure(mentions: int, repeats: int = 3) -> dict[str, dict[str, float]]:
    """p50 and p95 (ms) of each page's data over every view, ``repeats`` times each."""
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        store = fill(Path(tmp) / "big.duckdb", mentions)
        built = time.perf_counter() - start
        counts = store.counts()
        store.close()
        store = DuckDBStore(Path(tmp) / "big.duckdb", read_only=True)
        out: dict[str, dict[str, float]] = {}
        try:
            for page in PAGES:
                times = []
                for _ in range(repeats):
                    for q in views(rng):
                        t = time.perf_counter()
                        page_data(page, store, BRANDS, Path(tmp), {"src0": 3.0}, q)
                        times.append((time.perf_counter() - t) * 1000)
                times.sort()
                out[page] = {"p50": statistics.median(times),
                             "p95": times[max(0, round(0.95 * len(times)) - 1)], "n": len(times)}
        finally:
            store.close()
    out["_store"] = {"mentions": counts["mentions"], "documents": counts["documents"],
                     "build_s": built}
    return out


def main() -> None:
    """Command line: [MENTIONS] (default 10,000,000)."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    result: dict[str, Any] = measure(n)
    for page, r in result.items():
        print(page, {k: round(v, 1) for k, v in r.items()})


if __name__ == "__main__":
    main()
