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
        if self.source.feeds:
            for req in self.feed_requests():
                yield req
        if self.source.sitemaps:
            for req in self.sitemap_requests():
                yield req
        if self.source.listing:
            for req in self.listing_requests():
                yield req
        if self.source.browser:
            for req in self.browser_requests():
                yield req
