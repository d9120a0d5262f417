"""Discovery through RSS/Atom feeds, parsed by feedparser (relative links, broken dates...)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
from scrapy import Request
from scrapy.http import Response

from brandradar.crawlers.safety import hostile_xml
from brandradar.crawlers.spiders.base import SourceSpiderBase

log = logging.getLogger(__name__)


class FeedDiscovery(SourceSpiderBase):
    """Fetch each feed; every entry link becomes an article request."""

    def feed_requests(self) -> Iterator[Request]:
        for url in self.source.feeds:
            yield self.conditional(url, self.parse_feed, "feed")

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if self.not_modified(response):
            return
        hostile = hostile_xml(response.body)
        if hostile:
            self.inc("feed/refused_hostile_xml")
            log.warning("%s feed %s refused: %s", self.name, response.url, hostile)
            return
        parsed = feedparser.parse(response.body,
                                  response_headers={"content-location": response.url})
        if not parsed.entries:
            self.inc("feed/empty_or_broken")
            log.warning("%s feed %s has no entries (%s)", self.name, response.url,
                        parsed.get("bozo_exception", "empty"))
            return
        self.inc("feed/entries", len(parsed.entries))
        for entry in parsed.entries:
            link = entry.get("link")
            if not link:
                self.inc("feed/entry_without_link")
                continue
            when = entry.get("published_parsed") or entry.get("updated_parsed")
            published = (datetime.fromtimestamp(time.mktime(when) - time.timezone, UTC).isoformat()
                         if when else None)
            req = self.follow_page(response, link, self.parse_page, "article",
                                   feed_published=published)
            if req is not None:
                yield req
