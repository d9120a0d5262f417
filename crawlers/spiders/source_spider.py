"""The spider that crawls one declared source with every discovery the source asks for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from brandradar.crawlers.spiders.browser import BrowserDiscovery
from brandradar.crawlers.spiders.feed import FeedDiscovery
from brandradar.crawlers.spiders.listing import ListingDiscovery
from brandradar.crawlers.spiders.sitemap import SitemapDiscovery


class SourceSpider(FeedDiscovery, SitemapDiscovery, ListingDiscovery, BrowserDiscovery):
    """Feeds, sitemaps, listings and browser pages of one source, deduplicated by Scrapy."""

    async def start(self) -> AsyncIterator[Any]:  # Scrapy >= 2.13 ignores start_requests()
        # Articles lost in earlier runs first: a feed answering 304 no longer lists them.
        for req in self.retry_requests():
            yield req
        declared = ((self.source.feeds, self.feed_requests),
                    (self.source.sitemaps, self.sitemap_requests),
                    (self.source.listing, self.listing_requests),
                    (self.source.browser, self.browser_requests))
        for wanted, requests in declared:
            if wanted:
                for req in requests():
                    yield req
