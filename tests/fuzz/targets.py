"""What the fuzzer feeds bytes to: the feed, sitemap and HTML paths the crawler and the extract
stage run on untrusted responses. Each target either returns or raises one of the errors the
pipeline expects (bad input, named and counted); anything else is a crash."""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from scrapy.utils.sitemap import Sitemap

from brandradar.crawlers.parsers import decode_html, extract_page, extract_posts
from brandradar.crawlers.safety import hostile_xml, utf8_xml
from brandradar.crawlers.sources import load_source
from brandradar.crawlers.spiders.feed import feed_entries
from brandradar.errors import PermanentError
from brandradar.sources import Source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CRASHES = FIXTURES / "fuzz"
FETCHED = datetime(2026, 11, 30, tzinfo=UTC)


def feed(data: bytes) -> None:
    """A feed response as the feed spider handles it."""
    body = utf8_xml(data)
    if hostile_xml(body) is None:
        feed_entries(body, "https://feeds.example.org/feed.xml")


def sitemap(data: bytes) -> None:
    """A sitemap response as the sitemap spider handles it."""
    body = utf8_xml(data)
    if hostile_xml(body) is not None:
        return
    try:
        parsed = Sitemap(body)
    except Exception:  # what the spider counts as "sitemap/broken" (lxml raises several types)
        return
    for entry in parsed:
        entry.get("loc")


def html(data: bytes) -> None:
    """A page as `brandradar extract` reads it with no configuration (engine presets,
    schema.org JSON-LD and microdata, else the article), and as a declared forum parser does."""
    text = decode_html(data, "text/html")
    for extract in (lambda: extract_page(text, "https://news.example.org/a", _ANY, FETCHED),
                    lambda: extract_posts(text, "https://forum.example.org/t/1", _FORUM,
                                          FETCHED)):
        with contextlib.suppress(PermanentError):
            extract()


_ANY = Source(name="cli", kind="forum", feeds=["https://news.example.org/feed"])
_FORUM = load_source("demo_velo_forum")
TARGETS: dict[str, Callable[[bytes], None]] = {"feed": feed, "sitemap": sitemap, "html": html}


def seeds(target: str) -> list[bytes]:
    """Real inputs to start from: the feed fixtures (feed-rs, MIT), sitemaps made from the
    sitemaps.org protocol examples, the Zyte and fundus benchmark pages and the demo sources'
    recorded pages, and the forum-engine and schema.org pages."""
    if target == "feed":
        return [p.read_bytes() for p in sorted((FIXTURES / "feeds").glob("*/*.xml"))]
    if target == "sitemap":
        return [SITEMAP_EXAMPLE, SITEMAP_INDEX_EXAMPLE]
    pages = sorted((FIXTURES / "extraction" / "zyte" / "html").glob("*.html.gz"))[:20]
    return [gzip.decompress(p.read_bytes()) for p in pages] + [
        p.read_bytes() for p in sorted((FIXTURES / "pages").glob("*/page.html"))] + [
        p.read_bytes() for p in sorted((FIXTURES / "engines").glob("*.html"))]


# The examples of https://www.sitemaps.org/protocol.html (CC BY-SA 2.5).
SITEMAP_EXAMPLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
   <url>
      <loc>http://www.example.com/</loc>
      <lastmod>2005-01-01</lastmod>
      <changefreq>monthly</changefreq>
      <priority>0.8</priority>
   </url>
   <url>
      <loc>http://www.example.com/catalog?item=12&amp;desc=vacation_hawaii</loc>
      <changefreq>weekly</changefreq>
   </url>
</urlset>"""
SITEMAP_INDEX_EXAMPLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
   <sitemap>
      <loc>http://www.example.com/sitemap1.xml.gz</loc>
      <lastmod>2004-10-01T18:23:17+00:00</lastmod>
   </sitemap>
</sitemapindex>"""
