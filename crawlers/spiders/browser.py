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

# Click a "load more" button until it is gone (or ``max`` times), waiting after each click until
# the page changed, so that content fetched by the click has arrived.
_CLICK_UNTIL_GONE = """
async ({sel, max, waitMs}) => {
  for (let i = 0; i < max; i++) {
    const button = document.querySelector(sel);
    if (!button) return i;
    const before = document.body.innerHTML.length;
    button.click();
    const until = Date.now() + waitMs;
    while (Date.now() < until && document.body.innerHTML.length === before) {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return max;
}
"""


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
        methods = [PageMethod("wait_for_selector", b.wait_for)]
        for _ in range(b.scrolls):
            methods.append(PageMethod("evaluate", "window.scrollBy(0, document.body.scrollHeight)"))
        if b.click:
            methods.append(PageMethod("evaluate", _CLICK_UNTIL_GONE,
                                      {"sel": b.click, "max": b.clicks, "waitMs": b.click_wait_ms}))
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
