"""Retries that wait: the server's Retry-After on 429/503, else exponential back-off, capped.

Scrapy's own RetryMiddleware re-queues at once; a server that asked us to slow down would get the
same request again immediately. This subclass keeps Scrapy's retry accounting (``retry/count``,
``retry/reason_count/...``, ``max_retry_times``) and only adds the wait, without blocking other
requests (it awaits on the asyncio reactor).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
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

    def delay(self, request: Request, response: Response) -> float:
        """Seconds to wait before retrying this response."""
        header = (response.headers.get(b"Retry-After") or b"").decode("latin-1")
        asked = retry_after_seconds(header) if response.status in (429, 503) else None
        backoff = self.base * 2 ** int(request.meta.get("retry_times", 0))
        return min(self.cap, asked if asked is not None else backoff)

    async def process_response(self, request: Request, response: Response,  # type: ignore[override]
                               spider: Any = None) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        max_times = request.meta.get("max_retry_times", self.max_retry_times)
        if int(request.meta.get("retry_times", 0)) < max_times:
            wait = self.delay(request, response)
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value("retry/delayed")
            stats.inc_value("retry/delay_ms", round(wait * 1000))
            await asyncio.sleep(wait)
        return self._retry(request, response_status_message(response.status)) or response
