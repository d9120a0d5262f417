"""The address guard: no file:/data: URLs, no private, loopback, link-local or metadata hosts.

Scrapy and Playwright fetch whatever URL they are given; nothing in either refuses private
networks, so this guard is ours. It runs on every request, including each hop of a redirect
(Scrapy sends redirected requests through the downloader middlewares again), and it checks what
the host name resolves to, so a public-looking name pointing at 10.0.0.1 is refused too. Hosts in
``allow_private_hosts`` (the demo and test servers) are the only exception.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

log = logging.getLogger(__name__)

_METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}


@lru_cache(maxsize=4096)
def _resolve(host: str) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return ()
    return tuple(sorted({str(i[4][0]) for i in infos}))


def _is_private(ip: str) -> bool:
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return not addr.is_global or addr.is_multicast


def refusal(url: str, allow_hosts: frozenset[str]) -> str | None:
    """Why ``url`` must not be fetched, or ``None`` when it may be."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme or '(none)'!r} not allowed"
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return "no host"
    if host in allow_hosts:
        return None
    if host in _METADATA_HOSTS:
        return f"metadata host {host}"
    try:
        ips: tuple[str, ...] = (str(ipaddress.ip_address(host)),)
    except ValueError:
        ips = _resolve(host)
        if not ips:
            return None  # unresolvable: let the downloader report the DNS error by name
    for ip in ips:
        if _is_private(ip):
            return f"private address {ip} for host {host}"
    return None


def hostile_xml(body: bytes) -> str | None:
    """Why an XML document (feed, sitemap) must not be parsed: entity expansion ("billion
    laughs") or external entities (XXE). Not-well-formed XML is not hostile: the feed parser
    deals with it and reports it."""
    try:
        defused_fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        return f"{type(exc).__name__}: {exc}"
    except (ParseError, ValueError):
        return None
    return None


class AddressGuardMiddleware:
    """Downloader middleware that drops requests to forbidden addresses and counts them."""

    def __init__(self, crawler: Crawler, allow_hosts: frozenset[str]) -> None:
        self.crawler = crawler
        self.allow_hosts = allow_hosts

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        allowed = frozenset(h.lower() for h in crawler.settings.getlist("BRANDRADAR_ALLOW_HOSTS"))
        return cls(crawler, allowed)

    def _source(self) -> str:
        # Scrapy >= 2.13 no longer passes the spider to components; ask the crawler.
        spider = self.crawler.spider
        return spider.name if spider is not None else "unknown"

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        reason = refusal(request.url, self.allow_hosts)
        if reason is None:
            return None
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("guard/refused")
        stats.inc_value(f"guard/refused/{self._source()}")
        log.warning("refused %s: %s", request.url, reason)
        raise IgnoreRequest(f"address guard: {reason}")


def playwright_abort(allow_hosts: frozenset[str]) -> Any:
    """A PLAYWRIGHT_ABORT_REQUEST predicate: the browser may not reach forbidden hosts either."""

    def abort(request: Any) -> bool:
        return refusal(request.url, allow_hosts) is not None

    return abort
