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
from typing import Any
from urllib.parse import urlsplit

from charset_normalizer import from_bytes
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

log = logging.getLogger(__name__)

_METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}


def _is_private(ip: str) -> bool:
    """Whether an address is not on the public internet (private, loopback, link-local,
    reserved, multicast; an IPv4-mapped IPv6 address as its IPv4 one)."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return not addr.is_global or addr.is_multicast


def forbidden_name(host: str, allow_hosts: frozenset[str]) -> str | None:
    """Why a host name (lower case) is refused before any lookup: a cloud metadata name or a
    loopback name, unless allowed."""
    if host in allow_hosts:
        return None
    if host in _METADATA_HOSTS:
        return f"metadata host {host}"
    if host == "localhost" or host.endswith(".localhost"):
        return f"loopback name {host}"
    return None


def forbidden_address(host: str, ip: str, allow_hosts: frozenset[str]) -> str | None:
    """Why a connection to ``host`` at ``ip`` is refused (a private address of a host that is
    not allowed), or None. The one rule for Scrapy's requests (:func:`refusal`, the resolver)
    and the browser's (the guard proxy)."""
    if host in allow_hosts or not _is_private(ip):
        return None
    return f"private address {ip} for host {host}"


def refusal(url: str, allow_hosts: frozenset[str]) -> str | None:
    """Why ``url`` must not be fetched, or ``None`` when it may be."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme or '(none)'!r} not allowed"
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return "no host"
    if (reason := forbidden_name(host, allow_hosts)) is not None:
        return reason
    try:
        ip = str(ipaddress.ip_address(host))
    except ValueError:
        # A name is checked where it is resolved, by the resolver the connection uses
        # (GuardedResolver): no lookup blocks the reactor here, and no second answer can differ.
        return None
    return forbidden_address(host, ip, allow_hosts)


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


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's threaded DNS resolver (no lookup on the reactor thread) that refuses a name
    answering with a private address unless the host is allowed. The connection uses the very
    answer that was checked, so a name cannot switch to an internal address between check and
    connect (DNS rebinding). The resolver serves the whole crawl process, so what it refused is
    kept in :data:`REFUSED_NAMES` for the fetch log to name and count per source."""

    allow_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_hosts = frozenset(
            h.lower() for h in crawler.settings.getlist("BRANDRADAR_ALLOW_HOSTS"))
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:
        return super().getHostByName(name, timeout).addCallback(self.checked, name)

    def checked(self, ip: str, name: str) -> str:
        """The address, when ``name`` may lead there; else ``DNSLookupError``."""
        host = name.lower().rstrip(".")
        reason = forbidden_address(host, ip, self.allow_hosts)
        if reason is None:
            return ip
        REFUSED_NAMES[host] = f"address guard: {reason}"
        raise DNSLookupError(REFUSED_NAMES[host])


# Host names the resolver refused in this process, with why (the fetch log names them).
REFUSED_NAMES: dict[str, str] = {}


def playwright_abort(allow_hosts: frozenset[str]) -> Any:
    """A PLAYWRIGHT_ABORT_REQUEST predicate: the browser may not reach forbidden hosts either."""

    def abort(request: Any) -> bool:
        return refusal(request.url, allow_hosts) is not None

    return abort
