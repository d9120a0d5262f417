"""What the archive pipeline and the fetch-log middleware share: the work directory, the run id,
and the name of the source (= spider) being crawled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler


class RunComponent:
    """A Scrapy component that writes files for one run; ``close`` runs when the spider closes."""

    def __init__(self, crawler: Crawler, root: Path, run_id: str) -> None:
        self.crawler = crawler
        self.root = root
        self.run_id = run_id
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        s = crawler.settings
        return cls(crawler, Path(s.get("BRANDRADAR_WORKDIR")), s.get("BRANDRADAR_RUN_ID"))

    def _source(self) -> str:
        # Scrapy >= 2.13 no longer passes the spider to components; ask the crawler.
        spider = self.crawler.spider
        return spider.name if spider is not None else "unknown"

    def close(self, spider: Any) -> None:
        """Flush and close whatever the component keeps open."""
