"""Discovery through RSS/Atom feeds, parsed by feedparser (relative links, broken dates...)."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from scrapy import Request
from scrapy.http import Response

from brandradar.crawlers.safety import utf8_xml
from brandradar.crawlers.spiders.base import SourceSpiderBase

log = logging.getLogger(__name__)


@dataclass
class FeedEntry:
    """One feed entry: its absolute link (None when it has none) and publication time."""

    link: str | None
    published: str | None
    title: str


def feed_entries(body: bytes, url: str) -> tuple[list[FeedEntry], str | None]:
    """Entries of an RSS/Atom feed, links made absolute, broken dates dropped (not guessed).

    Returns the entries and, when there are none, what was wrong with the feed.
    """
    try:
        parsed = feedparser.parse(body, response_headers={"content-location": url})
    except Exception as exc:  # its loose parser has bugs of its own (found by fuzzing:
        # a stray media:player end tag raises KeyError); a feed it cannot read is broken input
        return [], f"the feed parser failed: {type(exc).__name__}: {exc}"
    out = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            # Some feeds only link their enclosures (podcasts, attachments).
            links = [x.get("href") for x in entry.get("links", []) if x.get("href")]
            link = links[0] if links else None
        # dict.get: feedparser's own get() maps a missing key to another one, with a warning.
        when = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
        published = None
        if when:
            published = datetime.fromtimestamp(calendar.timegm(when), UTC).isoformat()
        out.append(FeedEntry(_absolute(url, link), published, str(entry.get("title", ""))))
    problem = str(parsed.get("bozo_exception")) if not out and parsed.get("bozo") else None
    return out, problem


def _absolute(base: str, link: str | None) -> str | None:
    """The entry link made absolute; None for a link that is no URL (found by fuzzing: a host
    in brackets that is no IP address makes urljoin raise)."""
    if not link:
        return None
    try:
        return urljoin(base, link)
    except ValueError:
        return None


class FeedDiscovery(SourceSpiderBase):
    """Fetch each feed; every entry link becomes an article request."""

    def feed_requests(self) -> Iterator[Request]:
        for url in self.source.feeds:
            yield self.conditional(url, self.parse_feed, "feed")

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if self.not_modified(response):
            return
        body = utf8_xml(response.body)
        if self.hostile(response, body):
            return
        entries, problem = feed_entries(body, response.url)
        if not entries:
            self.inc("feed/empty_or_broken")
            log.warning("%s feed %s has no entries (%s)", self.name, response.url, problem or "empty")
            return
        self.inc("feed/entries", len(entries))
        for entry in entries:
            if entry.link is None:
                self.inc("feed/entry_without_link")
                continue
            link, published = entry.link, entry.published
            req = self.follow_page(response, link, self.parse_page, "article",
                                   feed_published=published)
            if req is not None:
                yield req
