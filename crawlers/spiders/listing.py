"""Discovery through listing pages (boards, archives) with link and next-page selectors.

Followed pages with their own pagination (forum threads) are archived page by page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response

from brandradar.crawlers.spiders.base import SourceSpiderBase


class ListingDiscovery(SourceSpiderBase):
    """Walk listing pages; archive every linked page and its continuation pages."""

    @property
    def _role(self) -> str:
        # Pages of a source with a post parser hold several posts (threads); without one they
        # are articles, extracted (and deduplicated against feed finds) like any other article.
        return "thread" if self.source.multi_post else "article"

    def listing_requests(self) -> Iterator[Request]:
        assert self.source.listing is not None
        for url in self.source.listing.start_urls:
            yield Request(url, callback=self.parse_listing, meta={"role": "listing", "depth_n": 1},
                          errback=self.on_error)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        listing = self.source.listing
        assert listing is not None
        for href in response.css(listing.link).getall():
            req = self.follow_page(response, href, self.parse_thread, self._role)
            if req is not None:
                yield req
        n = response.meta.get("depth_n", 1)
        nxt = response.css(listing.next).get() if listing.next else None
        if nxt and n < listing.max_pages:
            yield Request(response.urljoin(nxt), callback=self.parse_listing,
                          meta={"role": "listing", "depth_n": n + 1}, errback=self.on_error)
        elif nxt:
            self.inc("listing/max_pages_reached")

    def parse_thread(self, response: Response) -> Iterator[Any]:
        listing = self.source.listing
        assert listing is not None
        item = self.page_item(response, self._role)
        if item is not None:
            yield item
        nxt = response.css(listing.thread_next).get() if listing.thread_next else None
        if nxt:
            req = self.follow_page(response, nxt, self.parse_thread, self._role)
            if req is not None:
                yield req
