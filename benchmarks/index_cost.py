"""What an hourly index costs at 1×, 10× and 100× the demo corpus (`make bench`, or alone:
`python benchmarks/index_cost.py` rewrites its own table in docs/benchmarks.md).

The demo web is crawled and enriched once; its enriched partitions are then copied 10 and 100
times under new ids, each copy three weeks before the last (a copy per source folder: a history
of up to six years), the store is built from them, and one new source-day partition of the news
site arrives (its rows as the enrich stage writes them), as in an hourly run. Timed: the
stories stage, and the index stage's store work (open the writer's copy, take in the changed
partitions with their search terms, bring the rollup up to date, publish) — after the stories
stage, which also rewrites the partitions of the stories the new articles join, and alone with
exactly one changed partition (the issue's measure).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from brandradar.doctables import write_between
from brandradar.enrich import cluster_stories
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.index.manifest import scan

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench-index: written by `make bench` -->", "<!-- end of bench-index -->"
# Post ids too: a copy's replies answer its own posts, not the same post in every copy (which
# made each reply count once per copy).
IDS = ("doc_id", "mention_id", "story_id", "post_id", "reply_to")


def _renamed(table: pa.Table, prefix: str, weeks_back: int = 0) -> pa.Table:
    """New ids; with ``weeks_back``, published and fetched that many weeks earlier, so the
    copies make a longer history rather than 100 documents in every hour of the demo."""
    for col in IDS:
        if col in table.column_names:
            ids = pc.binary_join_element_wise(pa.scalar(prefix), table[col], "")
            table = table.set_column(table.column_names.index(col), col, ids)
    shift = pa.scalar(timedelta(weeks=weeks_back), pa.duration("us"))
    for col in ("published", "fetched"):
        if weeks_back and col in table.column_names:
            table = table.set_column(table.column_names.index(col), col,
                                     pc.subtract(table[col], shift))
    return table


def _copy(src: Path, dst: Path, copies: int) -> None:
    """The enriched partitions of ``src`` ``copies`` times under new ids and source folders."""
    for stage in ("enriched", "mentions"):
        for path in sorted((src / stage).glob("source=*/day=*/*.parquet")):
            table = pq.read_table(path)
            source, day = path.relative_to(src / stage).parts[:2]
            for i in range(copies):
                out = dst / stage / f"{source}-c{i}" / day / path.name
                out.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(_renamed(table, f"c{i}-", 3 * i), out)


def _fresh(table: pa.Table) -> pa.Table:
    """The rows as the enrich stage writes them, before the stories stage: no story id and no
    stories version (a renamed demo story id would name a document that does not exist, and
    the stories stage keeps such an id for the whole story as that of an older report)."""
    blank = pa.array([""] * table.num_rows, pa.string())
    table = table.set_column(table.column_names.index("story_id"), "story_id", blank)
    versions = pc.replace_substring_regex(table["versions"], r";?stories-[^;]*", "")
    return table.set_column(table.column_names.index("versions"), "versions", versions)


def _arrive(work: Path, src: Path, n: int) -> int:
    """One new source-day partition: the demo's news site's (what the stories stage regroups
    around), under new ids; returns its documents."""
    news = max((src / "enriched").glob("source=*/day=*/*.parquet"),
               key=lambda p: pq.read_table(p, columns=["source_kind"])["source_kind"]
               .to_pylist().count("news")).parent.relative_to(src / "enriched")
    docs = 0
    for stage in ("enriched", "mentions"):
        path = next((src / stage / news).glob("*.parquet"))
        table = _fresh(_renamed(pq.read_table(path), f"new{n}-"))
        out = work / stage / f"source=arrived-{n}" / "day=2026-12-01" / path.name
        out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, out)
        docs = table.num_rows if stage == "enriched" else docs
    return docs


def _stories(work: Path) -> float:
    start = time.perf_counter()
    cluster_stories(work)
    return time.perf_counter() - start


def _index(work: Path) -> tuple[float, int]:
    start = time.perf_counter()
    store = DuckDBStore(work / "brandradar.duckdb")
    sync = store.sync(scan(work), [], "label-1")
    store.close()
    return time.perf_counter() - start, sync.partitions


def measure(scales: tuple[int, ...] = (1, 10, 100)) -> list[dict[str, float]]:
    """Per scale: corpus size, first build, and the median of three hourly runs."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        subprocess.run([sys.executable, "-m", "brandradar.cli", "demo", "--once", "--no-browser",
                        "--workdir", str(demo)], check=True, capture_output=True,
                       env={**os.environ, "PYTHONUNBUFFERED": "1"})
        for k in scales:
            work = Path(tmp) / f"x{k}"
            _copy(demo, work, k)
            # The copies' leads are the demo's: embedded once, as a long-running project has.
            (work / "state").mkdir(parents=True)
            shutil.copy(demo / "state" / "lead-vectors.parquet", work / "state")
            first_stories = _stories(work)
            first, _ = _index(work)
            runs, stories, alone = [], [], []
            for n in range(3):
                arrived = _arrive(work, demo, n)
                stories.append(_stories(work))
                seconds, partitions = _index(work)
                runs.append(seconds)
            # The index stage alone with exactly one changed partition (the stories stage can
            # rewrite the partitions of the stories a new article joins).
            for n in range(3, 6):
                _arrive(work, demo, n)
                alone.append(_index(work)[0])
            store = DuckDBStore(work / "brandradar.duckdb", read_only=True)
            counts = store.counts()
            store.close()
            out.append({"scale": k, "documents": counts["documents"],
                        "mentions": counts["mentions"], "first_s": first,
                        "hourly_s": sorted(runs)[1], "arrived": arrived,
                        "alone_s": sorted(alone)[1],
                        "first_stories_s": first_stories, "stories_s": sorted(stories)[1],
                        "partitions": partitions,
                        "mb": (work / "brandradar.duckdb").stat().st_size / 2**20})
            shutil.rmtree(work)
    return out


def table(rows: list[dict[str, float]]) -> str:
    """The markdown table of :func:`measure`."""
    lines = ["| corpus | documents / mentions | store | first build: stories, index | "
             "hourly run: stories | hourly run: index | index alone, one changed partition |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['scale']:.0f}× demo | {r['documents']:,.0f} / {r['mentions']:,.0f} | "
                     f"{r['mb']:.0f} MB | {r['first_stories_s']:.1f} s, {r['first_s']:.1f} s | "
                     f"{r['stories_s']:.2f} s | {r['hourly_s']:.2f} s "
                     f"({r['partitions']:.0f} partitions, {r['arrived']:,.0f} new documents) | "
                     f"{r['alone_s']:.2f} s |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    text = table(measure())
    print(text)
    write_between(DOC, BEGIN, END, text)
