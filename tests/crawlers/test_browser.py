"""Browser pages: reviews appear only in the rendered DOM, and the rest only after "load more"."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from brandradar.crawlers.run import crawl
from brandradar.crawlers.sources import load_source
from brandradar.demo.server import DemoServer
from brandradar.extract import extract_source
from brandradar.parquet import partitions, read_rows
from brandradar.settings import Settings

# The demo web on its default ports: one module at a time (conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("demo_default_ports")]


@pytest.mark.parametrize("click", [True, False], ids=["load-more", "no-clicks"])
def test_load_more_is_clicked_until_everything_is_there(tmp_path: Path, click: bool) -> None:
    source = load_source("demo_bike_reviews")
    assert source.browser is not None
    if not click:
        source = source.model_copy(update={"browser": source.browser.model_copy(update={"click": None})})
    settings = Settings(workdir=tmp_path, allow_private_hosts=["127.0.0.1"], autothrottle=False)
    with DemoServer() as server:
        stats = crawl([source], settings, "b1")["demo_bike_reviews"]
        want = Counter(server.base_url("reviews") + t.path for t in server.web.truth
                       if t.site == "reviews")
    assert stats["pages/archived/rendered"] == len(want)
    extract_source(source, tmp_path)
    got = Counter(d["url"] for d in read_rows(partitions(tmp_path, "documents")))
    if click:
        assert got == want
    else:  # five per product, the first batch only
        assert got == {url: min(n, 5) for url, n in want.items()}
