"""Retries that wait: the server's Retry-After on 429/503, else exponential back-off, capped.

Scrapy's own RetryMiddleware re-queues at once; a server that asked us to slow down would get the
same request again immediately. This subclass keeps Scrapy's retry accounting (``retry/count``,
``retry/reason_count/...``, ``max_retry_times``) and adds the wait where it belongs: on the
downloader slot of the domain that asked. The slot sends nothing until the wait is over (the
retry and every other request to that domain queue behind it), while every other domain keeps
its pace. Sleeping in the middleware instead held a place of the global concurrency for each
waiting response and let the other requests to the same domain through at full speed. The hold
uses the slot's ``latercall``, Scrapy's own mechanism for download delays, with the
downloader's ``_latercall`` to resume (private API, pinned by uv.lock and covered by
tests/crawlers/test_retry.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import call_later
from scrapy.utils.response import response_status_message


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before each retry of an HTTP error."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("BRANDRADAR_RETRY_BACKOFF", 1.0)
        self.cap = settings.getfloat("BRANDRADAR_RETRY_MAX_DELAY", 120.0)
        self._until: dict[str, float] = {}

    def delay(self, request: Request, response: Response) -> float:
        """Seconds to wait before retrying this response."""
        header = (response.headers.get(b"Retry-After") or b"").decode("latin-1")
        asked = retry_after_seconds(header) if response.status in (429, 503) else None
        backoff = self.base * 2 ** int(request.meta.get("retry_times", 0))
        return min(self.cap, asked if asked is not None else backoff)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = super().from_crawler(crawler)
        # The hold goes in when the response arrives, before the downloader sends the slot's
        # next request; in process_response it would come after that one already left.
        crawler.signals.connect(mw.on_downloaded, signal=signals.response_downloaded)
        return mw

    def _retries(self, request: Request, response: Response) -> bool:
        """Whether this response will be retried."""
        return (not request.meta.get("dont_retry", False)
                and response.status in self.retry_http_codes
                and int(request.meta.get("retry_times", 0))
                < request.meta.get("max_retry_times", self.max_retry_times))

    def on_downloaded(self, response: Response, request: Request, spider: Any = None) -> None:
        """Hold the domain's slot for the wait a response to be retried asks for."""
        if self._retries(request, response):
            self.hold(request, self.delay(request, response))

    def process_response(self, request: Request, response: Response,
                         spider: Any = None) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        if self._retries(request, response):
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value("retry/delayed")
            stats.inc_value("retry/delay_ms", round(self.delay(request, response) * 1000))
        return self._retry(request, response_status_message(response.status)) or response

    def hold(self, request: Request, wait: float) -> None:
        """Let the downloader slot of ``request`` (its domain) send nothing for ``wait``
        seconds; a longer hold already in place stays."""
        engine = self.crawler.engine
        downloader = engine.downloader if engine is not None else None
        if downloader is None or wait <= 0:
            return
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        until = monotonic() + wait
        if slot is None or self._until.get(key, 0.0) >= until:
            return
        self._until[key] = until
        if slot.latercall:
            slot.latercall.cancel()
        slot.latercall = call_later(wait, downloader._latercall, slot)
