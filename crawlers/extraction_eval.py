"""Extraction quality on gold pages, scored like the Zyte article-extraction benchmark.

Text is lower-cased and split into word tokens; precision and recall are computed over sets of
4-token shingles of the extracted text against the gold text (so word order matters, and
boilerplate or missing paragraphs cost points), then averaged over pages. Written here because
the benchmark's own script is not a library.
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from brandradar.crawlers.parsers import extract_article
from brandradar.doctables import write_between
from brandradar.errors import PermanentError
from brandradar.model import Document
from brandradar.sources import Source

SHINGLE = 4
_SOURCE = Source(name="gold", kind="news", feeds=["http://gold.invalid/"])


@dataclass
class GoldPage:
    """One page with its expected main text."""

    corpus: str
    page_id: str
    lang: str
    url: str
    html: str
    gold: str


@dataclass
class Score:
    """Precision, recall and F1 of one page."""

    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _shingles(text: str) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    if len(tokens) < SHINGLE:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def score(extracted: str, gold: str) -> Score:
    """Shingle precision and recall of one extraction."""
    got, want = _shingles(extracted), _shingles(gold)
    if not got or not want:
        return Score(float(not got and not want), float(not got and not want))
    hit = len(got & want)
    return Score(hit / len(got), hit / len(want))


def zyte_pages(folder: Path) -> Iterator[GoldPage]:
    """Pages of the Zyte benchmark (``html/<id>.html.gz`` + ``ground-truth.json``)."""
    truth = json.loads((folder / "ground-truth.json").read_text("utf-8"))
    for page_id, item in sorted(truth.items()):
        html = gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes())
        yield GoldPage("zyte", page_id, "", item["url"], html.decode("utf-8", "replace"),
                       item["articleBody"])


def fundus_pages(folder: Path) -> Iterator[GoldPage]:
    """Pages of the fundus parser tests (``gold.jsonl`` + gzipped HTML)."""
    for line in (folder / "gold.jsonl").read_text("utf-8").splitlines():
        item = json.loads(line)
        html = gzip.decompress((folder / item["html_file"]).read_bytes())
        yield GoldPage("fundus", item["id"], item["lang"], item["url"],
                       html.decode("utf-8", "replace"), item["plain_text"])


def extracted(page: GoldPage, fetched: datetime) -> Document | None:
    """The page's article as the crawler extracts it (None when the extractor finds none)."""
    try:
        return extract_article(page.html, page.url, _SOURCE, fetched)
    except PermanentError:
        return None


def evaluate(pages: list[GoldPage]) -> dict[str, dict[str, float]]:
    """Mean precision, recall, F1 per corpus/language group, plus pages per second."""
    groups: dict[str, list[Score]] = {}
    start = time.perf_counter()
    fetched = datetime.now(UTC)
    for page in pages:
        doc = extracted(page, fetched)
        s = score(doc.text if doc else "", page.gold)
        for key in (page.corpus, f"{page.corpus}/{page.lang}" if page.lang else None, "all"):
            if key:
                groups.setdefault(key, []).append(s)
    elapsed = time.perf_counter() - start
    out = {k: {"pages": len(v), "precision": statistics.mean(s.precision for s in v),
               "recall": statistics.mean(s.recall for s in v),
               "f1": statistics.mean(s.f1 for s in v)} for k, v in sorted(groups.items())}
    out["all"]["pages_per_second"] = len(pages) / elapsed if elapsed else 0.0
    return out


def render_table(results: dict[str, dict[str, float]]) -> str:
    """The Markdown table of docs/extraction_quality.md."""
    rows = ["| corpus | pages | precision | recall | F1 |", "|---|---:|---:|---:|---:|"]
    for key, r in results.items():
        rows.append(f"| {key} | {int(r['pages'])} | {r['precision']:.3f} | {r['recall']:.3f} | "
                    f"{r['f1']:.3f} |")
    return "\n".join(rows) + "\n"


def gold_pages(root: Path) -> list[GoldPage]:
    """Every page of both gold sets under ``root`` (``zyte/`` and ``fundus/``)."""
    return [*zyte_pages(root / "zyte"), *fundus_pages(root / "fundus")]


def main() -> None:
    """Write the table between the markers of a docs file: ``python -m … GOLD_DIR DOC.md``."""
    import sys

    gold, doc = Path(sys.argv[1]), Path(sys.argv[2])
    write_between(doc, BEGIN, END, render_table(evaluate(gold_pages(gold))))


BEGIN = "<!-- table: written by `make eval` -->"
END = "<!-- end of table -->"

if __name__ == "__main__":
    main()
