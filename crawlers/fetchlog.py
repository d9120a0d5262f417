"""The fetch log: one JSON line per fetch (url, status, time, hash, etag, last-modified).

Kept per source and day beside the WARC files. Written by a downloader middleware so that every
fetch is logged, including feeds, listings, errors and robots.txt refusals, not only pages that
end up archived. The same counts go into Scrapy's stats collector for the run report.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from brandradar.crawlers.component import RunComponent
from brandradar.crawlers.safety import REFUSED_NAMES

log = logging.getLogger(__name__)


def partition(root: Path, source: str, when: datetime) -> Path:
    """The raw-archive folder of one source and day."""
    return root / "raw" / f"source={source}" / f"day={when:%Y-%m-%d}"


class FetchLogMiddleware(RunComponent):
    """Appends one line per response or download error to ``fetchlog-<run>.jsonl``."""

    def __init__(self, crawler: Crawler, root: Path, run_id: str) -> None:
        super().__init__(crawler, root, run_id)
        self._files: dict[Path, IO[str]] = {}

    def _write(self, spider: Spider | None, row: dict[str, Any]) -> None:
        source = self._source()
        now = datetime.now(UTC)
        row = {"source": source, "time": now.isoformat(), **row}
        folder = partition(self.root, source, now)
        path = folder / f"fetchlog-{self.run_id}.jsonl"
        fh = self._files.get(path)
        if fh is None:
            folder.mkdir(parents=True, exist_ok=True)
            fh = self._files[path] = path.open("a", encoding="utf-8")
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Response:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"fetch/status/{response.status}")
        self._write(spider, {
            "url": response.url,
            "status": response.status,
            "role": request.meta.get("role", ""),
            "bytes": len(response.body),
            "hash": hashlib.sha1(response.body).hexdigest(),
            "etag": (response.headers.get(b"ETag") or b"").decode("latin-1") or None,
            "last_modified": (response.headers.get(b"Last-Modified") or b"").decode("latin-1") or None,
        })
        return response

    def process_exception(self, request: Request, exception: Exception,
                          spider: Spider | None = None) -> None:
        stats = self.crawler.stats
        assert stats is not None
        reason = type(exception).__name__
        refused = REFUSED_NAMES.get((urlparse_cached(request).hostname or "").lower())
        if refused is not None:
            # The resolver refused the name: a guard refusal, not a DNS failure.
            stats.inc_value("guard/refused")
            exception = IgnoreRequest(refused)
            reason = "IgnoreRequest"
        else:
            stats.inc_value(f"fetch/error/{reason}")
        self._write(spider, {"url": request.url, "status": None, "role": request.meta.get("role", ""),
                             "error": f"{reason}: {exception}"})
        log.warning("%s fetch failed %s: %s", self._source(), request.url, exception)

    def close(self, spider: Spider) -> None:
        for fh in self._files.values():
            fh.close()
        self._files.clear()
