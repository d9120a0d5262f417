"""Incremental crawling: a second crawl sends conditional requests and skips seen articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from brandradar.crawlers.run import crawl
from brandradar.crawlers.sources import load_source
from brandradar.crawlers.state import CrawlState
from brandradar.demo.server import DemoServer
from brandradar.settings import Settings

pytestmark = pytest.mark.slow


def test_second_crawl_fetches_nothing_unchanged(tmp_path: Path) -> None:
    settings = Settings(workdir=tmp_path, allow_private_hosts=["127.0.0.1"], autothrottle=False,
                        concurrent_requests_per_domain=16)
    sources = [load_source("demo_rad_kurier"), load_source("demo_pedal_blog")]
    with DemoServer() as server:
        first = crawl(sources, settings, "run1")
        second = crawl(sources, settings, "run2")
    news = sum(1 for t in server.web.truth if t.site == "news")
    blog = sum(1 for t in server.web.truth if t.site == "blog")
    assert first["demo_rad_kurier"]["pages/archived/article"] == news
    assert first["demo_pedal_blog"]["pages/archived/article"] == blog
    # Feeds and the sitemap index answer 304; nothing is archived twice.
    assert second["demo_rad_kurier"]["feed/not_modified"] == 1
    assert second["demo_rad_kurier"]["sitemap/not_modified"] == 1
    assert second["demo_pedal_blog"]["feed/not_modified"] == 1
    assert "pages/archived/article" not in second["demo_rad_kurier"]
    assert "pages/archived/article" not in second["demo_pedal_blog"]
    state = CrawlState(tmp_path / "state" / "crawl-state.sqlite")
    assert state.count() == news + blog
    state.close()


def test_seen_state_survives_and_canonicalises(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "s.sqlite", commit_every=2)
    state.mark_seen("http://e.org/a?utm_source=x", "s")
    state.mark_seen("http://e.org/b", "s")
    state.db.close()  # no close(): as if the process were killed after a batch commit
    again = CrawlState(tmp_path / "s.sqlite")
    assert again.seen("http://E.org/a#top") and again.seen("http://e.org/b")
    assert not again.seen("http://e.org/c")
    again.close()
