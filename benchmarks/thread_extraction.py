"""How long a 20-post forum thread takes to extract with zero configuration (`make bench`, or
alone: `python benchmarks/thread_extraction.py` rewrites its own table in docs/benchmarks.md).

Each engine's test page (tests/fixtures/engines/, built from the engine's real templates) is
grown to 20 posts by copying its posts — quotes, code boxes and signatures included — under new
post ids; then ``extract_page`` reads it as ``brandradar extract`` does: engine detection,
preset, quote/code/signature removal, date parsing. CPU time of one process, median of 30 runs
after one warm-up run.
"""

from __future__ import annotations

import copy
import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
from parsel import Selector

from brandradar.crawlers.engines import PRESETS, detect_engine
from brandradar.crawlers.parsers import extract_page
from brandradar.doctables import write_between
from brandradar.sources import Source

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
ENGINES = ROOT / "tests" / "fixtures" / "engines"
BEGIN, END = "<!-- bench-threads: written by `make bench` -->", "<!-- end of bench-threads -->"
POSTS = 20
RUNS = 30


def grown_page(name: str, posts: int = POSTS) -> str:
    """The engine's test page with its posts copied until it holds ``posts`` posts."""
    html = (ENGINES / f"{name}.html").read_text()
    engine = detect_engine(Selector(text=html))
    assert engine is not None, name
    preset = PRESETS[engine].parser
    tree = lxml.html.fromstring(html)
    originals = [s.root for s in Selector(root=tree).css(preset.item)]
    last = originals[-1]
    for n in range(posts - len(originals)):
        source = originals[n % len(originals)]
        clone = copy.deepcopy(source)
        # New ids: the post id inside id and data-* attributes gets a new number (dates and
        # text stay as they are).
        pid = "".join(filter(str.isdigit, source.get("id") or source.get("data-content") or ""))
        for element in clone.iter():
            for key, value in element.attrib.items():
                if pid and (key == "id" or key.startswith("data-")) and pid in value:
                    element.set(key, value.replace(pid, str(9_000_000 + n)))
        last.addnext(clone)
        last = clone
    return lxml.html.tostring(tree, encoding="unicode")


def measure() -> list[tuple[str, int, float, float]]:
    """Per engine: posts found, median and worst milliseconds per page."""
    urls = json.loads((ENGINES / "urls.json").read_text())
    source = Source(name="bench", kind="forum", feeds=["https://example.org/feed"])
    fetched = datetime(2026, 12, 1, tzinfo=UTC)
    out = []
    for name in sorted(PRESETS):
        html = grown_page(name)
        docs = extract_page(html, urls[name], source, fetched)  # warm-up: imports, dateparser
        times = []
        for _ in range(RUNS):
            start = time.process_time()
            extract_page(html, urls[name], source, fetched)
            times.append((time.process_time() - start) * 1000)
        out.append((name, len(docs), statistics.median(times), max(times)))
    return out


def table(rows: list[tuple[str, int, float, float]]) -> str:
    """The Markdown table of ``measure()``."""
    lines = ["| engine page | posts extracted | per page, median | per page, worst of 30 |",
             "|---|---:|---:|---:|"]
    lines += [f"| {name} | {posts} | {median:.1f} ms | {worst:.1f} ms |"
              for name, posts, median, worst in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    rows_md = table(measure())
    print(rows_md)
    write_between(DOC, BEGIN, END, rows_md)
