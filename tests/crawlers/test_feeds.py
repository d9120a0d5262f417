"""Feed parsing on 60 real and spec RSS/Atom feeds (feed-rs fixtures, MIT): every entry found,
links absolute, broken dates left empty rather than guessed, broken feeds named."""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from brandradar.crawlers.safety import hostile_xml, utf8_xml
from brandradar.crawlers.spiders.feed import feed_entries
from tests.crawlers.test_hostile_inputs import LAUGHS

FEEDS = Path(__file__).parents[1] / "fixtures" / "feeds"
INDEX = list(csv.DictReader((FEEDS / "index.tsv").open(), delimiter="\t"))


@pytest.mark.parametrize("row", INDEX, ids=[r["file"] for r in INDEX])
def test_feed_entries(row: dict[str, str]) -> None:
    url = "https://feeds.example.org/" + row["file"]
    entries, problem = feed_entries((FEEDS / row["file"]).read_bytes(), url)
    assert len(entries) == int(row["n_items_or_entries"] or 0)
    for e in entries:
        if e.link is not None:
            assert urlsplit(e.link).scheme in ("http", "https", "ftp", "mailto", "urn", "tag"), e.link
            assert urlsplit(e.link).netloc or urlsplit(e.link).scheme in ("mailto", "urn", "tag")
    if not entries:
        assert problem  # a feed without entries says why


def test_relative_links_resolve_against_the_feed() -> None:
    body = (b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>"
            b"<entry><title>a</title><link href='/posts/a.html'/><updated>not a date</updated>"
            b"</entry><entry><title>b</title><link rel='enclosure' href='b.mp3'/>"
            b"<updated>2026-11-20T10:00:00Z</updated></entry></feed>")
    a, b = feed_entries(body, "https://blog.example.org/feeds/atom.xml")[0]
    assert a.link == "https://blog.example.org/posts/a.html" and a.published is None
    assert b.link == "https://blog.example.org/feeds/b.mp3"
    assert b.published == "2026-11-20T10:00:00+00:00"


def test_html_error_page_is_not_a_feed() -> None:
    entries, problem = feed_entries(b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                                    "https://example.org/rss.xml")
    assert entries == [] and problem


WELL_FORMED = [r for r in INDEX if r["well_formed_xml"] == "yes" and int(r["n_items_or_entries"] or 0)]


@pytest.mark.parametrize("row", WELL_FORMED[:12], ids=[r["file"] for r in WELL_FORMED[:12]])
@pytest.mark.parametrize("form", ["utf-16 bom", "utf-32 bom", "utf8mb4", "cp-1251"])
def test_any_byte_form_of_a_real_feed_reads_the_same(row: dict[str, str], form: str) -> None:
    """The same real feed re-encoded with a byte-order mark or an encoding name Python does not
    know gives the same entries once made UTF-8 (the crawler parses only that form)."""
    url = "https://feeds.example.org/" + row["file"]
    raw = (FEEDS / row["file"]).read_bytes()
    text = utf8_xml(raw).decode("utf-8")
    declaration = re.compile(r'^\s*<\?xml[^>]*\?>')
    if form.endswith("bom"):
        encoding = form.split()[0]
        body = codecs.BOM_UTF16_LE + text.encode("utf-16-le") if encoding == "utf-16" else \
            codecs.BOM_UTF32_LE + text.encode("utf-32-le")
    else:
        head = f'<?xml version="1.0" encoding="{form}"?>'
        body = (head + declaration.sub("", text, count=1)).encode(
            "utf-8" if form == "utf8mb4" else "cp1251", errors="xmlcharrefreplace")
    expected = [(e.link, e.published, e.title) for e in feed_entries(raw, url)[0]]
    got = [(e.link, e.published, e.title) for e in feed_entries(utf8_xml(body), url)[0]]
    assert got == expected


@pytest.mark.parametrize("bom, encoding", [(codecs.BOM_UTF16_LE, "utf-16-le"),
                                           (codecs.BOM_UTF16_BE, "utf-16-be"),
                                           (codecs.BOM_UTF32_LE, "utf-32-le"),
                                           (codecs.BOM_UTF8, "utf-8")])
def test_entity_expansion_is_refused_in_every_byte_form(bom: bytes, encoding: str) -> None:
    # A 4 MB feed of this kind in UTF-16 passed the guard unparsed and took 1.7 GB to expand.
    assert hostile_xml(bom + LAUGHS.decode().encode(encoding))
