"""Process hygiene of a crawl (issue: ``kill -9`` of ``brandradar run`` left the crawl child and
its Playwright drivers fetching and writing; drivers started for sources without a browser).
A real crawl child over loopback HTTP, watched through /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.webserver import Route, serve

pytestmark = pytest.mark.slow

PAGE = ("<html><head><meta charset='utf-8'></head><body><article><h1>T</h1><p>"
        + "Ein Absatz mit genug Text für einen Artikel. " * 10 + "</p></article></body></html>").encode()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _tree(pid: int) -> list[int]:
    out, todo = [], _children(pid)
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_crawl_dies_with_its_parent_and_starts_no_browser(tmp_path: Path) -> None:
    def slow(n: int) -> Route:
        time.sleep(0.5)
        return 200, {}, PAGE

    items = "".join(f"<item><title>x</title><link>/p{i}.html</link></item>" for i in range(40))
    routes = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
              "/feed.xml": (200, {"Content-Type": "application/rss+xml"},
                            f"<rss version='2.0'><channel><title>t</title>{items}"
                            "</channel></rss>".encode()),
              **{f"/p{i}.html": slow for i in range(40)}}
    with serve(routes) as (base, log):
        script = (
            "from pathlib import Path\n"
            "from brandradar.crawlers.run import crawl\n"
            "from brandradar.settings import Settings\n"
            "from brandradar.sources import Source\n"
            f"crawl([Source(name='slow', kind='news', feeds=['{base}/feed.xml'])],\n"
            f"      Settings(workdir=Path({str(tmp_path)!r}), allow_private_hosts=['127.0.0.1'],\n"
            "               autothrottle=False, concurrent_requests_per_domain=1), 'r1')\n")
        parent = subprocess.Popen([sys.executable, "-c", script])
        try:
            deadline = time.monotonic() + 30
            child = None
            while child is None and time.monotonic() < deadline:
                kids = [p for p in _children(parent.pid)
                        if "brandradar.crawlers.run" in _cmdline(p)]
                child = kids[0] if kids and sum(x.endswith(".html") for x in log) >= 2 else None
                time.sleep(0.1)
            assert child is not None, "the crawl did not start"
            # A source without browser pages runs no Playwright driver (nor Chromium).
            assert not any("playwright" in _cmdline(p) or "chrom" in _cmdline(p)
                           for p in _tree(child))
            os.kill(parent.pid, signal.SIGKILL)
            parent.wait()
            gone_by = time.monotonic() + 5
            while _alive(child) and time.monotonic() < gone_by:
                time.sleep(0.05)
            assert not _alive(child), "the crawl outlived the process that started it"
            fetched = len(log)
            time.sleep(1.5)
            assert len(log) == fetched  # and nothing is fetched any more
        finally:
            if parent.poll() is None:
                parent.kill()


@pytest.mark.browser
def test_a_killed_run_takes_its_browser_with_it(tmp_path: Path) -> None:
    def slow(n: int) -> Route:
        time.sleep(0.5)
        return 200, {}, PAGE

    links = "".join(f"<a class='r' href='/r{i}.html'>r</a>" for i in range(30))
    routes = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
              "/list.html": (200, {}, f"<html><body>{links}</body></html>".encode()),
              **{f"/r{i}.html": slow for i in range(30)}}
    with serve(routes) as (base, log):
        script = (
            "from pathlib import Path\n"
            "from brandradar.crawlers.run import crawl\n"
            "from brandradar.settings import Settings\n"
            "from brandradar.sources import Browser, Source\n"
            "source = Source(name='shop', kind='review', browser=Browser(\n"
            f"    start_urls=['{base}/list.html'], link='a.r::attr(href)', wait_for='article'))\n"
            f"crawl([source], Settings(workdir=Path({str(tmp_path)!r}),\n"
            "      allow_private_hosts=['127.0.0.1'], autothrottle=False), 'r1')\n")
        parent = subprocess.Popen([sys.executable, "-c", script])
        try:
            deadline = time.monotonic() + 60
            browser: list[int] = []
            child = None
            while not browser and time.monotonic() < deadline:
                kids = [p for p in _children(parent.pid)
                        if "brandradar.crawlers.run" in _cmdline(p)]
                child = kids[0] if kids else None
                if child is not None and sum(x.startswith("/r") for x in log) >= 2:
                    browser = _tree(child)
                time.sleep(0.1)
            assert child is not None and any("chrom" in _cmdline(p) for p in browser), browser
            os.kill(parent.pid, signal.SIGKILL)
            parent.wait()
            gone_by = time.monotonic() + 10
            while any(_alive(p) for p in [child, *browser]) and time.monotonic() < gone_by:
                time.sleep(0.1)
            left = [_cmdline(p)[:80] for p in [child, *browser] if _alive(p)]
            assert left == [], left
        finally:
            if parent.poll() is None:
                parent.kill()
