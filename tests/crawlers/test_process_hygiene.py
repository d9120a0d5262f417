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

from tests.webserver import Route, RouteSpec, serve

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


def _slow(n: int) -> Route:
    """A page that takes half a second: the crawl is still running when it is killed."""
    time.sleep(0.5)
    return 200, {}, PAGE


ROBOTS: Route = (200, {"Content-Type": "text/plain"}, b"User-agent: *\n")


def _parent(source: str, workdir: Path, settings: str = "") -> subprocess.Popen[bytes]:
    """A process that runs ``crawl`` for the source built by ``source`` (Python), as
    ``brandradar run`` does."""
    script = ("from pathlib import Path\n"
              "from brandradar.crawlers.run import crawl\n"
              "from brandradar.settings import Settings\n"
              "from brandradar.sources import Browser, Source\n"
              f"crawl([{source}], Settings(workdir=Path({str(workdir)!r}),\n"
              f"      allow_private_hosts=['127.0.0.1'], autothrottle=False{settings}), 'r1')\n")
    return subprocess.Popen([sys.executable, "-c", script])


def _crawl_child(parent: subprocess.Popen[bytes], log: list[str], prefix: str,
                 timeout: float) -> int | None:
    """The parent's crawl child, once it has fetched two pages under ``prefix``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = [p for p in _children(parent.pid) if "brandradar.crawlers.run" in _cmdline(p)]
        if kids and sum(x.startswith(prefix) for x in log) >= 2:
            return kids[0]
        time.sleep(0.1)
    return None


def test_the_crawl_dies_with_its_parent_and_starts_no_browser(tmp_path: Path) -> None:
    items = "".join(f"<item><title>x</title><link>/p{i}.html</link></item>" for i in range(40))
    routes: dict[str, RouteSpec] = {"/robots.txt": ROBOTS,
              "/feed.xml": (200, {"Content-Type": "application/rss+xml"},
                            f"<rss version='2.0'><channel><title>t</title>{items}"
                            "</channel></rss>".encode()),
              **{f"/p{i}.html": _slow for i in range(40)}}
    with serve(routes) as (base, log):
        parent = _parent(f"Source(name='slow', kind='news', feeds=['{base}/feed.xml'])", tmp_path,
                         ", concurrent_requests_per_domain=1")
        try:
            child = _crawl_child(parent, log, "/p", 30)
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
            # The server logs a request when it has answered it: a page asked for just before the
            # kill is logged up to half a second (the slow route) later. Let those land first.
            time.sleep(1.0)
            fetched = len(log)
            time.sleep(1.5)
            assert len(log) == fetched  # and nothing is fetched any more
        finally:
            if parent.poll() is None:
                parent.kill()


@pytest.mark.browser
def test_a_killed_run_takes_its_browser_with_it(tmp_path: Path) -> None:
    links = "".join(f"<a class='r' href='/r{i}.html'>r</a>" for i in range(30))
    routes: dict[str, RouteSpec] = {"/robots.txt": ROBOTS,
              "/list.html": (200, {}, f"<html><body>{links}</body></html>".encode()),
              **{f"/r{i}.html": _slow for i in range(30)}}
    with serve(routes) as (base, log):
        parent = _parent("Source(name='shop', kind='review', browser=Browser(start_urls="
                         f"['{base}/list.html'], link='a.r::attr(href)', wait_for='article'))",
                         tmp_path)
        try:
            child = _crawl_child(parent, log, "/r", 60)
            browser = _tree(child) if child is not None else []
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
