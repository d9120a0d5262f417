"""The address guard: no file:/data: URLs, no private, loopback, link-local or metadata hosts.

Scrapy and Playwright fetch whatever URL they are given; nothing in either refuses private
networks, so this guard is ours. It runs on every request, including each hop of a redirect
(Scrapy sends redirected requests through the downloader middlewares again), and it checks what
the host name resolves to, so a public-looking name pointing at 10.0.0.1 is refused too. Hosts in
``allow_private_hosts`` (the demo and test servers) are the only exception.
"""

from __future__ import annotations

import codecs
import ipaddress
import logging
import re
import socket
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from charset_normalizer import from_bytes
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

log = logging.getLogger(__name__)

METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}


@lru_cache(maxsize=4096)
def _resolve(host: str) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return ()
    return tuple(sorted({str(i[4][0]) for i in infos}))


def is_private(ip: str) -> bool:
    """Whether an address is not on the public internet (private, loopback, link-local,
    reserved, multicast; an IPv4-mapped IPv6 address as its IPv4 one)."""
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
    if host in METADATA_HOSTS:
        return f"metadata host {host}"
    try:
        ips: tuple[str, ...] = (str(ipaddress.ip_address(host)),)
    except ValueError:
        ips = _resolve(host)
        if not ips:
            return None  # unresolvable: let the downloader report the DNS error by name
    for ip in ips:
        if is_private(ip):
            return f"private address {ip} for host {host}"
    return None


# Byte-order marks, longest first: a UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']{1,40})["']""", re.I)
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def utf8_xml(body: bytes) -> bytes:
    """A feed or sitemap as UTF-8 bytes that say so, whatever it came in: a byte-order mark
    (UTF-8, UTF-16, UTF-32) first, else the declared encoding when Python knows it, else the
    encoding charset-normalizer detects (a declaration such as "utf8mb4" or "cp-1251" no longer
    drops the whole feed). The entity guard and the parsers then read the same bytes; before, a
    UTF-16 feed passed the guard unparsed and was expanded by the feed parser."""
    text: str | None = None
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            text = body[len(bom):].decode(encoding, errors="replace")
            break
    if text is None:
        declared = _DECLARED.match(body)
        encoding = declared.group(1).decode("ascii", "replace") if declared else "utf-8"
        try:
            text = body.decode(codecs.lookup(encoding).name)
        except (LookupError, UnicodeDecodeError, ValueError):  # ValueError: a NUL in the name
            best = from_bytes(body).best()
            text = str(best) if best is not None else body.decode("utf-8", errors="replace")
    return _DECLARATION.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1).encode("utf-8")


def hostile_xml(body: bytes) -> str | None:
    """Why an XML document (feed, sitemap) must not be parsed: entity expansion ("billion
    laughs") or external entities (XXE). Not-well-formed XML is not hostile: the feed parser
    deals with it and reports it. The document is checked as :func:`utf8_xml` gives it, which
    is what the parsers must read too."""
    try:
        defused_fromstring(utf8_xml(body), forbid_dtd=False, forbid_entities=True,
                           forbid_external=True)
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
