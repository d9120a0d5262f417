"""Discovery of pages that only a browser renders (scrapy-playwright, opt-in per source).

Static listing pages are fetched without a browser; only the linked pages are rendered, and only
they carry ``meta["playwright"]``, so sources without a browser never start one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy_playwright.page import PageMethod

from brandradar.crawlers.spiders.base import SourceSpiderBase


class BrowserDiscovery(SourceSpiderBase):
    """Fetch static listings, render each linked page in the browser, archive the DOM."""

    def browser_requests(self) -> Iterator[Request]:
        assert self.source.browser is not None
        for url in self.source.browser.start_urls:
            yield Request(url, callback=self.parse_browser_listing, meta={"role": "listing"},
                          errback=self.on_error)

    def _page_methods(self) -> list[PageMethod]:
        b = self.source.browser
        assert b is not None
        methods = []
        for _ in range(b.scrolls):
            methods.append(PageMethod("evaluate", "window.scrollBy(0, document.body.scrollHeight)"))
        for _ in range(b.clicks if b.click else 0):
            methods.append(PageMethod("click", b.click))
        methods.append(PageMethod("wait_for_selector", b.wait_for))
        return methods

    def parse_browser_listing(self, response: Response) -> Iterator[Any]:
        b = self.source.browser
        assert b is not None
        for href in response.css(b.link).getall():
            req = self.follow_page(response, href, self.parse_page, "rendered",
                                   playwright=True, playwright_page_methods=self._page_methods())
            if req is not None:
                yield req
        nxt = response.css(b.next).get() if b.next else None
        if nxt:
            yield Request(response.urljoin(nxt), callback=self.parse_browser_listing,
                          meta={"role": "listing"}, errback=self.on_error)
