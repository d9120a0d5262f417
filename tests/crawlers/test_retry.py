"""Retries wait as the server asks (Retry-After) or back off exponentially, then give up named."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from brandradar.crawlers.retry import retry_after_seconds
from brandradar.crawlers.run import crawl
from brandradar.settings import Settings
from brandradar.sources import Source
from tests.webserver import Route, serve

PAGE = ("<html><head><meta charset='utf-8'></head><body><article><h1>T</h1><p>"
        + "Ein Absatz mit genug Text für einen Artikel. " * 10 + "</p></article></body></html>").encode()


def test_retry_after_header_forms() -> None:
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30)), now) == 30.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=30)), now) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


@pytest.mark.slow
def test_crawl_waits_for_retry_after_and_backs_off(tmp_path: Path) -> None:
    def limited(n: int) -> Route:
        return (429, {"Retry-After": "2"}, b"slow down") if n == 0 else (200, {}, PAGE)

    def flaky(n: int) -> Route:
        return (503, {}, b"busy") if n < 2 else (200, {}, PAGE)

    feed = (b"<rss version='2.0'><channel><title>t</title>"
            b"<item><title>a</title><link>/limited.html</link></item>"
            b"<item><title>b</title><link>/flaky.html</link></item>"
            b"<item><title>c</title><link>/down.html</link></item></channel></rss>")
    routes = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
              "/feed.xml": (200, {"Content-Type": "application/rss+xml"}, feed),
              "/limited.html": limited, "/flaky.html": flaky,
              "/down.html": (500, {}, b"error")}
    with serve(routes) as (base, seen):
        settings = Settings(workdir=tmp_path, allow_private_hosts=["127.0.0.1"], autothrottle=False,
                            retry_backoff=0.5)
        start = time.monotonic()
        stats = crawl([Source(name="retry", kind="news", feeds=[f"{base}/feed.xml"])],
                      settings, "r1")["retry"]
        elapsed = time.monotonic() - start
    assert stats["pages/archived/article"] == 2  # limited and flaky got through
    assert seen.count("/limited.html") == 2 and seen.count("/flaky.html") == 3
    assert seen.count("/down.html") == 3  # first try + 2 retries, then given up
    assert stats["retry/max_reached"] == 1
    # waits: 2 s (Retry-After) on /limited; 0.5 + 1.0 s back-off on /flaky and on /down
    assert stats["retry/delay_ms"] == 5000
    assert elapsed >= 2


@pytest.mark.slow
def test_slow_server_times_out_named_and_counted(tmp_path: Path) -> None:
    def slow(n: int) -> Route:
        time.sleep(2.5)
        return (200, {}, PAGE)

    feed = (b"<rss version='2.0'><channel><title>t</title>"
            b"<item><title>a</title><link>/slow.html</link></item>"
            b"<item><title>b</title><link>/fast.html</link></item></channel></rss>")
    routes = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
              "/feed.xml": (200, {"Content-Type": "application/rss+xml"}, feed),
              "/slow.html": slow, "/fast.html": (200, {}, PAGE)}
    with serve(routes) as (base, _):
        settings = Settings(workdir=tmp_path, allow_private_hosts=["127.0.0.1"], autothrottle=False,
                            download_timeout=1.0, retry_times=0)
        stats = crawl([Source(name="slow", kind="news", feeds=[f"{base}/feed.xml"])],
                      settings, "t1")["slow"]
    assert stats["pages/archived/article"] == 1
    assert stats["pages/failed/article"] == 1
    assert any(k.startswith("fetch/error/") and "Timeout" in k for k in stats), stats


@pytest.mark.slow
def test_page_budget_caps_a_source(tmp_path: Path) -> None:
    items = b"".join(b"<item><title>x</title><link>/p%d.html</link></item>" % i for i in range(30))
    routes: dict[str, Route] = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
        "/feed.xml": (200, {"Content-Type": "application/rss+xml"},
                      b"<rss version='2.0'><channel><title>t</title>" + items + b"</channel></rss>"),
        **{f"/p{i}.html": (200, {}, PAGE) for i in range(30)},
    }
    with serve(routes) as (base, seen):
        settings = Settings(workdir=tmp_path, allow_private_hosts=["127.0.0.1"], autothrottle=False)
        source = Source(name="budget", kind="news", feeds=[f"{base}/feed.xml"], page_budget=10)
        stats = crawl([source], settings, "b1")["budget"]
    assert stats["pages/archived/article"] == 10
    assert stats["budget/exhausted"] == 20
    assert sum(p.endswith(".html") for p in seen) == 10


@pytest.mark.slow
def test_retry_after_holds_that_domain_only(tmp_path: Path) -> None:
    """A 429 with Retry-After on one host pauses that host (its later pages and the retry wait);
    the other host, on the same downloader, keeps its pace."""
    times: dict[str, list[float]] = {}
    asked: list[float] = []

    def timed(path: str, limited: bool = False) -> Any:
        def answer(n: int) -> Route:
            now = time.monotonic()
            times.setdefault(path, []).append(now)
            if limited and not asked:  # the first page of this host to be asked for: 429
                asked.append(now)
                return 429, {"Retry-After": "3"}, b"slow down"
            return 200, {}, PAGE
        return answer

    slow = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
            **{f"/a{i}.html": timed(f"/a{i}.html", limited=True) for i in range(4)}}
    other = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
             **{f"/b{i}.html": timed(f"/b{i}.html") for i in range(6)}}
    with serve(slow) as (a, _), serve(other, host="127.0.0.2") as (b, _):
        links = [f"{a}/a{i}.html" for i in range(4)] + [f"{b}/b{i}.html" for i in range(6)]
        items = "".join(f"<item><title>x</title><link>{u}</link></item>" for u in links)
        slow["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"},
                             f"<rss version='2.0'><channel><title>t</title>{items}"
                             "</channel></rss>".encode())
        # A delay per domain, so each host's pages leave one by one (queued requests without one
        # all leave at once, before any answer could ask for a pause).
        settings = Settings(workdir=tmp_path, allow_private_hosts=["127.0.0.1", "127.0.0.2"],
                            autothrottle=False, download_delay=0.2)
        stats = crawl([Source(name="two", kind="news", feeds=[f"{a}/feed.xml"])],
                      settings, "h1")["two"]
    assert stats["pages/archived/article"] == 10
    (start,) = asked
    later_a = [t for p, ts in times.items() if p.startswith("/a") for t in ts if t > start]
    # nothing went to the host that asked for 3 s before they were over (its queue waited)…
    assert len(later_a) == 4 and min(later_a) >= start + 2.9
    # …while the other host was served meanwhile, not after the wait
    assert max(t for p, ts in times.items() if p.startswith("/b") for t in ts) < start + 2.5
