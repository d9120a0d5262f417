"""Serves the demo web on loopback: one small HTTP server per site, each on its own port."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from brandradar.demo.content import DemoWeb, build
from brandradar.demo.sites import SITE_BUILDERS, SITES, Page
from brandradar.errors import ConfigError
from brandradar.sources import Source

log = logging.getLogger(__name__)
# The demo source files (crawlers/sources/demo_*.py) name the sites at this default address.
DEFAULT_HOST, DEFAULT_PORT_BASE = "127.0.0.1", 8781
_DEFAULT_ORIGIN = re.compile(rf"http://{re.escape(DEFAULT_HOST)}:\d+(?=/)")


def site_port(site: str, port_base: int) -> int:
    """The port of one demo site: news, blog, forum, reviews in this order from the base."""
    return port_base + SITES.index(site)


class _Handler(BaseHTTPRequestHandler):
    route: staticmethod  # set per site

    def do_GET(self) -> None:
        page: Page = type(self).route(unquote(self.path))
        if page.status == 200 and not page.content_type.startswith("text/html"):
            # Feeds, sitemaps and JSON carry an ETag and answer conditional requests with 304.
            etag = '"' + hashlib.sha1(page.body).hexdigest()[:16] + '"'
            page.headers["ETag"] = etag
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        for k, v in page.headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(page.body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("demo %s " + format, self.server.server_address, *args)


class DemoServer:
    """The four demo sites on ``host`` at ``port_base`` … ``port_base + 3``."""

    def __init__(self, host: str = DEFAULT_HOST, port_base: int = DEFAULT_PORT_BASE,
                 web: DemoWeb | None = None) -> None:
        self.host = host
        self.port_base = port_base
        self.web = web or build()
        self._servers: list[ThreadingHTTPServer] = []

    def base_url(self, site: str) -> str:
        """``http://host:port`` of a site."""
        return f"http://{self.host}:{site_port(site, self.port_base)}"

    def rebase(self, sources: list[Source]) -> list[Source]:
        """The sources with every demo site's default address replaced by this server's, so a
        demo on other ports (``BRANDRADAR_DEMO_PORT_BASE``) crawls its own web, not another's."""
        moves = {f"http://{DEFAULT_HOST}:{site_port(s, DEFAULT_PORT_BASE)}": self.base_url(s)
                 for s in SITES}
        out = []
        for source in sources:
            blob = _DEFAULT_ORIGIN.sub(lambda m: moves.get(m.group(0), m.group(0)),
                                       json.dumps(source.model_dump(mode="json")))
            out.append(Source.model_validate(json.loads(blob)))
        return out

    def start(self) -> DemoServer:
        """Start serving in background threads; fails with a clear error if a port is taken."""
        for site in SITES:
            route = SITE_BUILDERS[site](self.web, self.base_url(site))
            handler = type(f"{site}Handler", (_Handler,), {"route": staticmethod(route)})
            port = site_port(site, self.port_base)
            try:
                srv = ThreadingHTTPServer((self.host, port), handler)
            except OSError as exc:
                self.stop()
                raise ConfigError(
                    f"demo web: cannot listen on {self.host}:{port} ({exc.strerror}); is another "
                    "demo running? Set BRANDRADAR_DEMO_PORT_BASE to use other ports"
                ) from exc
            srv.daemon_threads = True
            threading.Thread(target=srv.serve_forever, name=f"demo-{site}", daemon=True).start()
            self._servers.append(srv)
        return self

    def stop(self) -> None:
        """Stop all sites."""
        for srv in self._servers:
            srv.shutdown()
            srv.server_close()
        self._servers.clear()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
