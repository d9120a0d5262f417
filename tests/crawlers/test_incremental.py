"""Incremental crawling: a second crawl sends conditional requests and skips seen articles."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from brandradar.crawlers.run import crawl
from brandradar.crawlers.sources import load_source
from brandradar.crawlers.state import CrawlState, _key, open_state
from brandradar.demo.server import DemoServer
from brandradar.errors import ConfigError
from brandradar.settings import Settings
from brandradar.teamstate import engine_for

# The demo web on its default ports: one module at a time (conftest.py).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo_default_ports")]


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
    assert open_state(tmp_path).count() == news + blog


def test_seen_state_survives_and_canonicalises(tmp_path: Path) -> None:
    state = CrawlState(engine_for(tmp_path), commit_every=2)
    state.mark_seen("http://e.org/a?utm_source=x", "s")
    state.mark_seen("http://e.org/b", "s")
    state.mark_seen("http://e.org/c", "s")  # pending: lost, as if the process were killed now
    again = CrawlState(engine_for(tmp_path))
    assert again.seen("http://E.org/a#top") and again.seen("http://e.org/b")
    assert not again.seen("http://e.org/c")
    assert again.count() == 2


def test_an_earlier_crawl_state_file_is_taken_over_once(tmp_path: Path) -> None:
    old = tmp_path / "state" / "crawl-state.sqlite"
    old.parent.mkdir()
    with closing(sqlite3.connect(old)) as db:
        db.executescript(
            "CREATE TABLE seen (key BLOB PRIMARY KEY, source TEXT NOT NULL) WITHOUT ROWID;"
            "CREATE TABLE validators (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT);"
            "CREATE TABLE retry (url TEXT PRIMARY KEY, source TEXT NOT NULL, attempts INTEGER"
            " NOT NULL, next_at REAL NOT NULL, last_error TEXT);")
        db.execute("INSERT INTO seen VALUES (?, 's')", (_key("http://e.org/a"),))
        db.execute("INSERT INTO validators VALUES ('http://e.org/feed', '\"v1\"', NULL)")
        db.execute("INSERT INTO retry VALUES ('http://e.org/b', 's', 2, 0, 'http 503')")
        db.commit()
    state = open_state(tmp_path)
    assert state.seen("http://e.org/a") and not state.seen("http://e.org/b")
    assert state.validators("http://e.org/feed") == ('"v1"', None)
    assert state.due_retries("s", 1.0, 8) == ["http://e.org/b"]
    assert not old.exists() and old.with_name("crawl-state.sqlite.moved-to-team-state").exists()


def test_a_broken_earlier_crawl_state_is_one_line(tmp_path: Path) -> None:
    old = tmp_path / "state" / "crawl-state.sqlite"
    old.parent.mkdir()
    old.write_bytes(b"SQLite format 3\0" + b"\x13" * 4000)
    with pytest.raises(ConfigError, match=r"crawl-state\.sqlite: not a readable crawl state"):
        open_state(tmp_path)
