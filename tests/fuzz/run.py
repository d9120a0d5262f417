"""`make fuzz`: fuzz the feed, sitemap and HTML paths with atheris for a bounded time, starting
from real fixtures (``tests/fuzz/targets.py``). A crashing input is written to
``tests/fixtures/fuzz/<target>/``; ``tests/crawlers/test_fuzz_corpus.py`` replays every input
kept there, so a crash found once stays a test.

Usage: ``python tests/fuzz/run.py TARGET RUNS`` — a fixed number of runs from a fixed seed, so
a CI run is the same run as here (``PYTHONHASHSEED=0``, as ``make fuzz`` sets); ``RUNS`` 0 and a
third argument ``SECONDS`` explore for that long instead.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["brandradar", "feedparser"]):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.fuzz.targets import CRASHES, TARGETS, seeds


def main() -> None:
    """Fuzz one target; exit code 0 when nothing crashed."""
    target, runs = sys.argv[1], int(sys.argv[2])
    budget = [f"-runs={runs}", "-seed=1"] if runs else [f"-max_total_time={sys.argv[3]}"]
    crashes = CRASHES / target
    crashes.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as corpus:
        for n, seed in enumerate(seeds(target)):
            (Path(corpus) / f"seed-{n}").write_bytes(seed)
        atheris.Setup([sys.argv[0], corpus, *budget, "-timeout=30", "-rss_limit_mb=3072",
                       f"-artifact_prefix={crashes}/"], TARGETS[target])
        atheris.Fuzz()


if __name__ == "__main__":
    main()
