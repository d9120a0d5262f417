"""The raw archive: every content page goes into a gzipped WARC file per source and day.

An item pipeline, batched into one open WARC writer per partition (no network, no per-item
open/close). Later stages re-run from these files alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from brandradar.crawlers.component import RunComponent
from brandradar.crawlers.fetchlog import partition
from brandradar.crawlers.parsers import decode_html
from brandradar.crawlers.redact import Erasures
from brandradar.settings import Settings

ROLE_HEADER = "WARC-Brandradar-Role"
SOURCE_HEADER = "WARC-Brandradar-Source"
PUBLISHED_HEADER = "WARC-Brandradar-Feed-Published"


class WarcArchivePipeline(RunComponent):
    """Writes ``page`` items (url, status, headers, body, role) as WARC response records."""

    def __init__(self, crawler: Crawler, root: Path, run_id: str) -> None:
        super().__init__(crawler, root, run_id)
        self._files: dict[Path, tuple[IO[bytes], WARCWriter]] = {}
        self._erased: Erasures | bool | None = False  # False: not read yet

    def _writer(self, source: str) -> WARCWriter:
        folder = partition(self.root, source, datetime.now(UTC))
        path = folder / f"crawl-{self.run_id}.warc.gz"
        if path not in self._files:
            folder.mkdir(parents=True, exist_ok=True)
            fh = path.open("ab")
            self._files[path] = (fh, WARCWriter(fh, gzip=True))
        return self._files[path][1]

    def process_item(self, item: dict[str, Any], spider: Spider | None = None) -> dict[str, Any]:
        try:
            return self._write(item)
        except OSError as exc:
            # A full disk or a broken file: the page is not archived, so it is not seen; the
            # spider puts it into the retry set and keeps its feed's validators back.
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value("archive/failed")
            crawler_spider = self.crawler.spider
            if crawler_spider is not None and hasattr(crawler_spider, "lost"):
                crawler_spider.lost(item.get("request_url") or item["url"], item["role"],
                                    f"archive write failed: {exc}", item.get("origin"))
            raise DropItem(f"{item['url']}: archive write failed: {exc}") from exc

    def _erasures(self) -> Erasures | None:
        """The project's erasures (``brandradar forget``), read once per crawl."""
        if self._erased is False:
            key = Settings().author_key
            self._erased = Erasures.load(self.root, key.get_secret_value() if key else None)
        return self._erased if isinstance(self._erased, Erasures) else None

    def _erase(self, item: dict[str, Any]) -> dict[str, Any] | None:
        """The item as it may be archived after the project's erasures: None when the page
        must not be archived, else the item (its body without erased authors' posts)."""
        erasures = self._erasures()
        spider = self.crawler.spider
        source = getattr(spider, "source", None)
        if erasures is None or source is None:
            return item
        ctype = item["headers"].get("Content-Type")
        html = decode_html(item["body"], ctype)
        kept = erasures.apply(item["url"], html, source,
                              thread=item["role"] != "article" and source.multi_post)
        if kept is None:
            return None
        if kept is html:
            return item
        headers = {k: v for k, v in item["headers"].items()
                   if k.lower() not in ("content-type", "content-length")}
        headers["Content-Type"] = "text/html; charset=utf-8"
        return {**item, "body": kept.encode("utf-8"), "headers": headers}

    def _write(self, item: dict[str, Any]) -> dict[str, Any]:
        source = self._source()
        stats = self.crawler.stats
        assert stats is not None
        erased = self._erase(item)
        if erased is None:
            # Erased: never archived again, and as an article never fetched again.
            stats.inc_value("archive/erased")
            state = getattr(self.crawler.spider, "state", None)
            if state is not None:
                state.mark_seen(item["url"], source)
            return {"url": item["url"], "role": item["role"]}
        item = erased
        writer = self._writer(source)
        http_headers = StatusAndHeaders(str(item["status"]), list(item["headers"].items()),
                                        protocol="HTTP/1.1")
        warc_headers = {ROLE_HEADER: item["role"], SOURCE_HEADER: source}
        if item.get("published"):
            warc_headers[PUBLISHED_HEADER] = item["published"]
        record = writer.create_warc_record(item["url"], "response", payload=BytesIO(item["body"]),
                                           http_headers=http_headers, warc_headers_dict=warc_headers)
        writer.write_record(record)
        writer.out.flush()  # on disk before the URL counts as seen: a crash loses nothing
        spider = self.crawler.spider
        state = getattr(spider, "state", None) if item["role"] == "article" else None
        if state is not None:
            state.mark_seen(item["url"], source)
            state.mark_seen(item.get("request_url") or item["url"], source)
        stats.inc_value(f"archive/records/{item['role']}")
        return {"url": item["url"], "role": item["role"]}

    def close(self, spider: Spider) -> None:
        state = getattr(spider, "state", None)
        if state is not None:
            state.commit()
        for fh, _ in self._files.values():
            fh.close()
        self._files.clear()
