"""Real broken and hostile inputs in one crawl: each is named, counted, and the rest goes on."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from brandradar.crawlers.run import crawl
from brandradar.extract import extract_source
from brandradar.parquet import partitions, read_rows
from brandradar.settings import Settings
from brandradar.sources import Listing, Source
from tests.webserver import serve

pytestmark = pytest.mark.slow

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss version="2.0"><channel><title>&lol4;</title><item><title>x</title>
<link>http://127.0.0.1/never.html</link></item></channel></rss>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&xxe;</loc></url></urlset>"""
TEXT = ("Die Fahrräder von Voltaro wurden im Test geprüft. " * 12).strip()
GOOD = f"<html><head><meta charset='utf-8'><title>Test</title></head><body><article><h1>Ein Test</h1>" \
       f"<p>{TEXT}</p><p>{TEXT}</p></article></body></html>".encode()


def _routes(base_holder: list[str]) -> dict[str, tuple[int, dict[str, str], bytes]]:
    def feed(paths: list[str]) -> bytes:
        items = "".join(f"<item><title>{p}</title><link>{p}</link></item>" for p in paths)
        return f"<rss version='2.0'><channel><title>t</title><link>/</link>{items}</channel></rss>".encode()

    calendar = {f"/cal?page={n}": (200, {}, f"<html><body><a class='ev' href='/ok.html'>e</a>"
                                            f"<a class='next' href='/cal?page={n + 1}'>next</a>"
                                            "</body></html>".encode()) for n in range(1, 40)}
    return {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"),
        "/feed.xml": (200, {"Content-Type": "application/rss+xml"},
                      feed(["/ok.html", "/soft404.html", "/truncated.html", "/charset.html",
                            "/report.pdf", "/bomb.html"])),
        "/laughs.xml": (200, {"Content-Type": "application/rss+xml"}, LAUGHS),
        "/empty.xml": (200, {"Content-Type": "application/rss+xml"},
                       b"<rss version='2.0'><channel><title>empty</title></channel></rss>"),
        "/error-feed.xml": (200, {}, b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
        "/sitemap-xxe.xml": (200, {"Content-Type": "application/xml"}, XXE),
        "/ok.html": (200, {}, GOOD),
        "/soft404.html": (200, {}, b"<html><head><title>Seite nicht gefunden</title></head><body>"
                                   b"<main><h1>Seite nicht gefunden</h1><p>Die Seite gibt es nicht "
                                   b"mehr. Zur Startseite.</p></main></body></html>"),
        "/truncated.html": (200, {}, GOOD[: len(GOOD) - 200]),
        "/charset.html": (200, {"Content-Type": "text/html; charset=iso-8859-1"},
                          GOOD.replace(b"Ein Test", "Größe: Тест".encode())),
        "/report.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 " + b"0" * 2000),
        "/bomb.html": (200, {"Content-Encoding": "gzip"}, gzip.compress(b"<p>" + b"a" * 30_000_000)),
        **calendar,
    }


def test_hostile_and_broken_inputs(tmp_path: Path) -> None:
    routes = _routes([])
    with serve(routes) as (base, seen):
        source = Source(
            name="hostile", kind="news",
            feeds=[f"{base}/feed.xml", f"{base}/laughs.xml", f"{base}/empty.xml",
                   f"{base}/error-feed.xml"],
            sitemaps=[f"{base}/sitemap-xxe.xml"],
            listing=Listing(start_urls=[f"{base}/cal?page=1"], link="a.ev::attr(href)",
                            next="a.next::attr(href)", max_pages=5),
        )
        settings = Settings(workdir=tmp_path, allow_private_hosts=["127.0.0.1"],
                            autothrottle=False, download_maxsize=1_000_000)
        stats = crawl([source], settings, "h1")["hostile"]
    assert stats["feed/refused_hostile_xml"] == 1, stats
    assert stats["sitemap/refused_hostile_xml"] == 1, stats
    assert stats["feed/empty_or_broken"] == 2, stats  # the empty feed and the HTML error page
    assert stats["pages/skipped/not_html"] == 1, stats
    assert stats["pages/failed/article"] >= 1, stats  # the decompression bomb, over the size cap
    assert stats["listing/max_pages_reached"] == 1, stats
    assert "/cal?page=6" not in seen and "/never.html" not in seen
    counts = extract_source(source, tmp_path)
    assert counts["empty/soft_404"] == 1, counts
    docs = {d["url"].rsplit("/", 1)[1]: d for d in read_rows(partitions(tmp_path, "documents"))}
    assert set(docs) == {"ok.html", "truncated.html", "charset.html"}
    assert "Größe: Тест" in docs["charset.html"]["text"]
    assert "Fahrräder von Voltaro" in docs["truncated.html"]["text"]
