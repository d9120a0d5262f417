"""Discovery through sitemaps and sitemap indexes (gzip too), with Scrapy's safe XML parser."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap

from brandradar.crawlers.safety import utf8_xml
from brandradar.crawlers.spiders.base import SourceSpiderBase

log = logging.getLogger(__name__)


class SitemapDiscovery(SourceSpiderBase):
    """Follow sitemap indexes to url sets; every ``<loc>`` becomes an article request."""

    def sitemap_requests(self) -> Iterator[Request]:
        for url in self.source.sitemaps:
            yield self.conditional(url, self.parse_sitemap, "sitemap")

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        if self.not_modified(response):
            return
        body = response.body
        if gzip_magic_number(response):
            try:
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception as exc:  # a broken or oversized gzip is bad input, not a crash
                self.inc("sitemap/broken")
                log.warning("%s sitemap %s not readable: %s", self.name, response.url, exc)
                return
        body = utf8_xml(body)
        if self.hostile(response, body):
            return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # lxml raises several types for broken XML
            self.inc("sitemap/broken")
            log.warning("%s sitemap %s is not XML: %s", self.name, response.url, exc)
            return
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                yield self.conditional(response.urljoin(loc), self.parse_sitemap, "sitemap",
                                       origin=response.url)
            else:
                self.inc("sitemap/urls")
                req = self.follow_page(response, loc, self.parse_page, "article")
                if req is not None:
                    yield req
