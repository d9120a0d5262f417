"""The browser's only way out: a forward proxy in the crawl process that applies the address
guard to every connection Chromium opens.

A rendered page can reach far more than the URL Scrapy asked for: subresources, iframes,
``fetch()``, WebSockets, service workers, and each hop of a redirect — Playwright's request
routing sees none of the redirect hops and no WebSocket, so the guard on it alone let a hostile
page reach forbidden addresses. Chromium is started with this proxy as its only route
(``--proxy-server``, loopback included via ``--proxy-bypass-list=<-loopback>``); the proxy
resolves each host name once, checks every address (private, loopback, link-local, metadata
hosts are refused unless allowed), and connects to the address it checked, so no DNS answer can
change between check and connect. Plain HTTP requests are sent on with ``Connection: close``, so
a kept-alive browser connection is never reused for another host; HTTPS and WebSockets go
through ``CONNECT``. Written by hand: no library in the stack is a guarded forward proxy, and
this is about a hundred lines of asyncio.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import threading
from urllib.parse import urlsplit

from brandradar.crawlers.safety import forbidden_address, forbidden_name

log = logging.getLogger(__name__)
_HEAD_LIMIT = 64 * 1024
_HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te",
                "trailer", "upgrade"}


class GuardProxy:
    """A forward proxy on 127.0.0.1 (its own thread and event loop) that refuses forbidden
    addresses; ``refused`` counts what it refused."""

    def __init__(self, allow_hosts: frozenset[str]) -> None:
        self.allow_hosts = allow_hosts
        self.refused = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()

    def start(self) -> int:
        """Listen on a free loopback port; returns it."""
        server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0, limit=_HEAD_LIMIT))
        self.port = int(server.sockets[0].getsockname()[1])
        threading.Thread(target=self._loop.run_forever, name="guard-proxy", daemon=True).start()
        return self.port

    async def _address(self, host: str) -> tuple[str | None, str | None]:
        """(address to connect to, None) or (None, why not): the crawler's own rules
        (:func:`~brandradar.crawlers.safety.forbidden_name`, ``forbidden_address``)."""
        host = host.lower().rstrip(".")
        try:
            ips = [str(ipaddress.ip_address(host))]
        except ValueError:
            if (reason := forbidden_name(host, self.allow_hosts)) is not None:
                return None, reason
            try:
                infos = await self._loop.getaddrinfo(host, None)
            except OSError as exc:
                return None, f"cannot resolve {host} ({exc})"
            ips = sorted({str(i[4][0]) for i in infos})
        if not ips:
            return None, f"cannot resolve {host}"
        for ip in ips:
            if (reason := forbidden_address(host, ip, self.allow_hosts)) is not None:
                return None, reason
        return ips[0], None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: asyncio.StreamWriter | None = None
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            line, *headers = head[:-4].decode("latin-1").split("\r\n")
            method, target, version = line.split(" ", 2)
            if method == "CONNECT":
                host, _, port_text = target.rpartition(":")
                host, port = host.strip("[]"), int(port_text)
            else:
                parts = urlsplit(target)
                if parts.scheme != "http" or not parts.hostname:
                    raise ValueError(f"not a proxy request: {line[:120]}")
                host, port = parts.hostname, parts.port or 80
            ip, reason = await self._address(host)
            if ip is None:
                self.refused += 1
                log.warning("browser request refused by the address guard: %s %s (%s)",
                            method, target[:200], reason)
                writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")
                await writer.drain()
                return
            up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(ip, port), 20)
            upstream = up_writer
            if method == "CONNECT":
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                await writer.drain()
            else:
                kept = [h for h in headers if h.split(":", 1)[0].strip().lower() not in _HOP_HEADERS]
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                up_writer.write(f"{method} {path} {version}\r\n".encode("latin-1")
                               + "".join(f"{h}\r\n" for h in kept).encode("latin-1")
                               + b"Connection: close\r\n\r\n")
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            for w in (upstream, writer):
                if w is not None:
                    w.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except OSError:
        pass
    finally:
        if writer.can_write_eof():
            with contextlib.suppress(OSError):
                writer.write_eof()
