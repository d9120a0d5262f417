"""What every generic spider shares: the source it crawls, archiving a page, the page budget."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response

from brandradar.crawlers.safety import hostile_xml
from brandradar.crawlers.state import CrawlState, open_state
from brandradar.sources import Source

log = logging.getLogger(__name__)

HTML_TYPES = (b"text/html", b"application/xhtml+xml")


class SourceSpiderBase(Spider):
    """A spider bound to one declared source; discovery mixins add the ``start`` requests."""

    source: Source

    def __init__(self, source: Source, page_budget: int, **kwargs: Any) -> None:
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.page_budget = source.page_budget or page_budget
        self._scheduled = 0
        self._validators: dict[str, tuple[str | None, str | None]] = {}
        # The sitemap index each nested sitemap came from, and the feeds and sitemaps that lost
        # something this run: their validators are not kept, or a 304 next time would hide
        # what was lost. (An article's own feed or sitemap travels in its request's meta.)
        self._parents: dict[str, str] = {}
        self._lossy: set[str] = set()

    @property
    def state(self) -> CrawlState | None:
        """The project's crawl state (in the team state), or None when incremental crawling is
        off."""
        s = self.crawler.settings
        if not s.getbool("BRANDRADAR_INCREMENTAL"):
            return None
        return open_state(Path(s.get("BRANDRADAR_WORKDIR")))

    def conditional(self, url: str, callback: Any, role: str,
                    origin: str | None = None) -> Request:
        """A feed or sitemap request with the validators of its last response (``origin``:
        the sitemap index it was found in)."""
        headers = {}
        if self.state is not None:
            etag, modified = self.state.validators(url)
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
        return Request(url, callback=callback, headers=headers, errback=self.on_error,
                       meta={"role": role, "handle_httpstatus_list": [304], "origin": origin})

    def not_modified(self, response: Response) -> bool:
        """True (and counted) for a 304; otherwise remember the response's validators."""
        if response.meta.get("origin"):
            self._parents[response.url] = response.meta["origin"]
        if response.status == 304:
            self.inc(f"{response.meta.get('role', 'page')}/not_modified")
            return True
        etag = (response.headers.get(b"ETag") or b"").decode("latin-1") or None
        modified = (response.headers.get(b"Last-Modified") or b"").decode("latin-1") or None
        if etag or modified:
            self._validators[response.url] = (etag, modified)
        return False

    def closed(self, reason: str) -> None:
        """Keep the validators of every feed and sitemap whose articles all reached the archive,
        and only after a complete crawl: had it been killed or cut by the page budget, a 304
        next time would hide the articles it did not reach. Failed articles are in the retry
        set either way."""
        stats = self.crawler.stats
        cut = stats is not None and stats.get_value("budget/exhausted")
        if self.state is None or reason != "finished" or cut:
            return
        for url, (etag, modified) in self._validators.items():
            if url in self._lossy:
                self.inc("validators/withheld")
            else:
                self.state.set_validators(url, etag, modified)

    def lost(self, url: str, role: str, reason: str, origin: str | None) -> None:
        """A page that did not reach the archive: an article goes into the retry set; the feed
        or sitemap it came from (``origin``), and the sitemap indexes above, keep no validators
        this run."""
        while origin is not None and origin not in self._lossy:
            self._lossy.add(origin)
            origin = self._parents.get(origin)
        if role == "article" and self.state is not None:
            wait = self.crawler.settings.getfloat("BRANDRADAR_ARTICLE_RETRY_WAIT", 900.0)
            attempts = self.state.add_retry(url, self.source.name, reason, time.time(), wait)
            self.inc("pages/retry_queued")
            log.warning("%s %s not archived (%s); tried again in a later run (attempt %d)",
                        self.name, url, reason, attempts)

    def retry_requests(self) -> Iterator[Request]:
        """Articles that failed in earlier runs and are due again (whatever their feed says)."""
        if self.state is None:
            return
        tries = self.crawler.settings.getint("BRANDRADAR_ARTICLE_RETRY_ATTEMPTS", 8)
        for url in self.state.due_retries(self.source.name, time.time(), tries):
            self.inc("pages/retried")
            req = self.follow_page(None, url, self.parse_page, "article", retried=True)
            if req is not None:
                yield req

    def hostile(self, response: Response, body: bytes) -> bool:
        """True (named in the log and counted) when a feed or sitemap is an XML entity attack."""
        reason = hostile_xml(body)
        if reason:
            role = response.meta.get("role", "xml")
            self.inc(f"{role}/refused_hostile_xml")
            log.warning("%s %s %s refused: %s", self.name, role, response.url, reason)
        return reason is not None

    def inc(self, key: str, n: int = 1) -> None:
        """Count something in the stats, per source (the stats of this crawler are per source)."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, n)

    def follow_page(self, response: Response | None, url: str, callback: Any, role: str,
                    **meta: Any) -> Request | None:
        """A request for a content page, or None once the source's page budget is spent."""
        full = response.urljoin(url) if response is not None else url
        self.inc("pages/discovered")
        if role == "article" and self.state is not None and self.state.seen(full):
            self.inc("pages/skipped/seen")
            return None
        if self._scheduled >= self.page_budget:
            self.inc("budget/exhausted")
            return None
        self._scheduled += 1
        origin = response.url if response is not None else None
        return Request(full, callback=callback, meta={"role": role, "origin": origin, **meta},
                       errback=self.on_error)

    def on_error(self, failure: Any) -> None:
        """Errors are logged and counted by the fetch log; here the per-role count, and what
        the page's loss means for its feed or sitemap (:meth:`lost`)."""
        role = failure.request.meta.get("role", "page")
        self.inc(f"pages/failed/{role}")
        request = failure.request
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        self.lost(url, role, failure.getErrorMessage()[:200], request.meta.get("origin"))

    def page_item(self, response: Response, role: str) -> dict[str, Any] | None:
        """The archive item for a fetched page (non-HTML content is skipped and counted)."""
        ctype = (response.headers.get(b"Content-Type") or b"text/html").split(b";")[0].strip().lower()
        if ctype not in HTML_TYPES:
            self.inc("pages/skipped/not_html")
            log.info("%s skipped non-HTML %s (%s)", self.name, response.url, ctype.decode())
            return None
        self.inc(f"pages/archived/{role}")
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1")
                   for k, v in response.headers.items()}
        return {"url": response.url, "status": response.status, "headers": headers,
                "body": response.body, "role": role,
                "request_url": (response.meta.get("redirect_urls") or [response.url])[0],
                "published": response.meta.get("feed_published"),
                "origin": response.meta.get("origin")}

    def parse_page(self, response: Response) -> Any:
        """Callback for an article or post page: archive it."""
        item = self.page_item(response, response.meta.get("role", "article"))
        if item is not None:
            yield item
