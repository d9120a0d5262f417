"""Feed parsing on 60 real and spec RSS/Atom feeds (feed-rs fixtures, MIT): every entry found,
links absolute, broken dates left empty rather than guessed, broken feeds named."""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from brandradar.crawlers.spiders.feed import feed_entries

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
