"""`make bench`: crawl, browser, seen-state and extraction benchmarks, written to docs/benchmarks.md.

Run on loopback only. Each figure names how it was measured; compare figures from the same run.
"""

from __future__ import annotations

import copy
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from brandradar.doctables import write_between

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench: written by `make bench` -->", "<!-- end of bench -->"


def _tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and all its descendants (MB): shared pages counted
    once, so Chromium's many processes are not overcounted."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except (OSError, StopIteration):
            continue
    return total / 1024


class PeakSampler:
    """Samples the memory of this process tree every 0.2 s."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    @property
    def peak(self) -> float:
        return max(self.samples, default=0.0)

    def half_peaks(self) -> tuple[float, float]:
        """Peak of the first and of the second half of the run (growth shows as a rise)."""
        mid = len(self.samples) // 2
        return max(self.samples[:mid], default=0.0), max(self.samples[mid:], default=0.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(_tree_pss_mb(os.getpid()))
            time.sleep(0.2)

    def __enter__(self) -> PeakSampler:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def crawl_static() -> tuple[float, int]:
    """Pages per second over the static demo sites, with WARC and fetch-log writing."""
    from brandradar.crawlers.run import crawl
    from brandradar.crawlers.sources import load_source
    from brandradar.demo.server import DemoServer
    from brandradar.settings import Settings

    with tempfile.TemporaryDirectory() as tmp, DemoServer():
        # 32 per domain: the demo server answers in a few ms, so lower limits measure its
        # latency, not the crawler.
        settings = Settings(workdir=Path(tmp), allow_private_hosts=["127.0.0.1"], autothrottle=False,
                            concurrent_requests_per_domain=32, incremental=False)
        names = ["demo_rad_kurier", "demo_pedal_blog", "demo_velo_forum"]
        start = time.perf_counter()
        stats = crawl([load_source(n) for n in names], settings, "bench")
        wall = time.perf_counter() - start
    pages = sum(s.get("response_received_count", 0) for s in stats.values())
    crawl_time = max(s["elapsed_time_seconds"] for s in stats.values())
    print(f"crawl: {pages} pages in {crawl_time:.1f} s crawl time ({wall:.1f} s with start-up)")
    return pages / crawl_time, pages


def scrapy_bench() -> float:
    """Pages per second that `scrapy bench` reaches on this machine (its best minute rate)."""
    proc = subprocess.run([sys.executable, "-m", "scrapy", "bench", "-s", "LOGSTATS_INTERVAL=1",
                           "-s", "CLOSESPIDER_TIMEOUT=10", "-s", "REMOTE_CONTROL_ENABLED=False"],
                          capture_output=True, text=True, timeout=120, cwd=tempfile.gettempdir())
    rates = [int(m) for m in re.findall(r"at (\d+) pages/min", proc.stderr)]
    if not rates:
        raise RuntimeError(f"scrapy bench printed no rate: {proc.stderr[-500:]}")
    return statistics_median_top(rates) / 60


def statistics_median_top(rates: list[int]) -> float:
    """Median of the steady part: the rates after the first (warm-up) second."""
    steady = sorted(rates[1:] or rates)
    return float(steady[len(steady) // 2])


def browser(pages: int = 500) -> tuple[float, float, float, float]:
    """Rendered pages per second and peak memory (Python + Chromium) over ``pages`` JS pages."""
    from brandradar.crawlers.run import crawl
    from brandradar.crawlers.sources import load_source
    from brandradar.demo.content import build
    from brandradar.demo.server import DemoServer
    from brandradar.settings import Settings

    web = build()
    base = list(web.products)
    web.products = [replace(copy.copy(base[i % len(base)]), product_id=f"p{i + 1}")
                    for i in range(pages)]
    with tempfile.TemporaryDirectory() as tmp, DemoServer(web=web), PeakSampler() as mem:
        settings = Settings(workdir=Path(tmp), allow_private_hosts=["127.0.0.1"], autothrottle=False,
                            concurrent_requests_per_domain=8, incremental=False)
        stats = crawl([load_source("demo_bike_reviews")], settings, "bench")["demo_bike_reviews"]
    rendered = stats.get("pages/archived/rendered", 0)
    first, second = mem.half_peaks()
    print(f"browser: {rendered} pages in {stats['elapsed_time_seconds']:.1f} s, peak {mem.peak:.0f} MB")
    return rendered / stats["elapsed_time_seconds"], mem.peak, first, second


def seen_state(n: int = 1_000_000) -> tuple[float, float, float]:
    """Memory growth (MB), file size (MB) and lookups per second of the seen-URL state."""
    from brandradar.crawlers.state import CrawlState
    from brandradar.teamstate import engine_for

    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        state = CrawlState(engine_for(Path(tmp)), commit_every=10_000, commit_seconds=3600)
        for i in range(n):
            state.mark_seen(f"https://news.example.org/{i % 977}/article-{i}.html", "bench")
        state.commit()
        start = time.perf_counter()
        hits = sum(state.seen(f"https://news.example.org/{i % 977}/article-{i}.html")
                   for i in range(0, n, 97))
        lookups = (n // 97 + 1) / (time.perf_counter() - start)
        assert hits == n // 97 + 1
        size = (Path(tmp) / "state" / "team.sqlite").stat().st_size / 1e6
        state.close()
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    print(f"seen state: {n} URLs, +{grown:.0f} MB peak RSS, {size:.0f} MB on disk, {lookups:.0f} lookups/s")
    return grown, size, lookups


def extraction() -> float:
    """Article extraction pages per second on one core (gold pages, realistic size)."""
    from brandradar.crawlers.extraction_eval import evaluate, gold_pages

    result = evaluate(gold_pages(ROOT / "tests" / "fixtures" / "extraction"))
    return result["all"]["pages_per_second"]


# Names frequent in the gold news articles, so that the sentiment step has real work to do.
NEWS_NAMES = ["Deutsche Bahn", "Volkswagen", "BMW", "Mercedes", "Siemens", "Google", "Apple",
              "Amazon", "Microsoft", "Meta", "Tesla", "Trump", "SPD", "CDU", "AfD", "EU", "NATO",
              "Ukraine", "Israel", "Bundesregierung"]
SHARED = ROOT.parent / "shared" / "data" / "eval_only_noncommercial" / "sentirueval_2016_banks"


def _enrich_texts() -> dict[str, tuple[str, list[str]]]:
    """Realistic texts per language: fundus gold articles (de, en), bank tweets (ru)."""
    import csv

    gold = [json.loads(line) for line in
            (ROOT / "tests" / "fixtures" / "extraction" / "fundus" / "gold.jsonl").open()]
    out = {lang: ("fundus gold news articles",
                  [r["plain_text"] for r in gold if r["lang"] == lang and r["plain_text"]])
           for lang in ("de", "en")}
    tweets = SHARED / "banks_test_etalon.tsv"
    if tweets.exists():  # measuring-only data: used when present, never copied
        with tweets.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
        out["ru"] = ("SentiRuEval-2016 bank tweets", [r["text"] for r in rows])
    return out


def enrich_throughput() -> list[tuple[str, str, int, float, float, float, float]]:
    """Documents per second on one core through the whole enrich pipeline, per language."""
    from brandradar.config import Brand
    from brandradar.nlp.evaluation import BANKS
    from brandradar.nlp.pipeline import Annotator

    os.environ["BRANDRADAR_ENCODER_THREADS"] = "1"
    news = [Brand(name=n) for n in NEWS_NAMES]
    out = []
    for lang, (what, texts) in _enrich_texts().items():
        brands = list(BANKS.values()) if lang == "ru" else news
        rates = []
        for method in ("model", "lexicon"):
            annotator = Annotator(brands, sentiment=method)
            annotator.annotate([(texts[0], lang)])  # load pipelines and models outside the clock
            start = time.process_time()
            notes = annotator.annotate((t, lang) for t in texts)
            rates.append(len(texts) / (time.process_time() - start))
        mentions = sum(len(a.mentions) for a in notes)
        chars = sum(map(len, texts)) / len(texts)
        out.append((lang, what, len(texts), chars, mentions / len(texts), rates[0], rates[1]))
    return out


def main() -> None:
    crawl_rate, pages = crawl_static()
    scrapy_rate = scrapy_bench()
    browser_rate, browser_peak, first_half, second_half = browser()
    grown, size, lookups = seen_state()
    extract_rate = extraction()
    enrich = enrich_throughput()
    from dashboard_latency import measure  # beside this file: benchmarks/ is no package
    from index_cost import BEGIN as INDEX_BEGIN
    from index_cost import END as INDEX_END
    from index_cost import measure as index_measure
    from index_cost import table as index_table

    latency = measure(10_000_000)
    store = latency.pop("_store")
    rows = [
        "| benchmark | result | how |",
        "|---|---:|---|",
        f"| crawl, static demo pages with WARC + fetch log | {crawl_rate:.0f} pages/s | {pages} pages "
        "(news, blog, forum), crawl time from Scrapy's stats |",
        f"| `scrapy bench` on the same machine | {scrapy_rate:.0f} pages/s | median of its per-second "
        "rates after the first |",
        f"| crawl / `scrapy bench` | {crawl_rate / scrapy_rate:.2f}× | target ≥ 0.8× |",
        f"| browser pages (Playwright + Chromium) | {browser_rate:.1f} pages/s | 500 JS-rendered review "
        "pages, 8 at a time, context recycled every 8 pages |",
        f"| browser peak memory | {browser_peak:.0f} MB | PSS of Python + Chromium, sampled every 0.2 s |",
        f"| browser memory, first / second half | {first_half:.0f} / {second_half:.0f} MB | no growth "
        "means the recycled contexts free their pages |",
        f"| seen-URL state, 1,000,000 URLs | +{grown:.0f} MB RSS, {size:.0f} MB on disk | team state "
        f"(SQLite through SQLAlchemy), 16-byte keys; {lookups:,.0f} lookups/s |",
        f"| article extraction | {extract_rate:.1f} pages/s per core | 341 gold pages (Zyte + fundus) |",
        *(f"| enrich, {lang} | {model:.1f} docs/s per core (lexicons only: {lexicon:.0f}) | {n} {what}, "
          f"{chars:,.0f} chars and {per_doc:.1f} mentions per document; language id, brands, "
          "sentiment per mention, key phrases; CPU time of one process, encoder on 1 thread |"
          for lang, what, n, chars, per_doc, model, lexicon in enrich),
        *(f"| dashboard page data, {page} | p95 {r['p95']:.0f} ms (p50 {r['p50']:.0f} ms) | "
          f"DuckDB store with {store['mentions']:,.0f} generated mentions on "
          f"{store['documents']:,.0f} documents (built in {store['build_s']:.0f} s); {r['n']:.0f} "
          "requests: all data, last 7/30/90 days, all brands or two; target p95 < 300 ms |"
          for page, r in latency.items()),
    ]
    table = "\n".join(rows) + "\n"
    print(table)
    write_between(DOC, BEGIN, END, table)
    index_rows = index_table(index_measure())
    print(index_rows)
    write_between(DOC, INDEX_BEGIN, INDEX_END, index_rows)
    from thread_extraction import BEGIN as THREADS_BEGIN
    from thread_extraction import END as THREADS_END
    from thread_extraction import measure as threads_measure
    from thread_extraction import table as threads_table

    thread_rows = threads_table(threads_measure())
    print(thread_rows)
    write_between(DOC, THREADS_BEGIN, THREADS_END, thread_rows)


if __name__ == "__main__":
    main()
