"""A tiny loopback HTTP server for tests: routes map a path to (status, headers, body)."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

Route = tuple[int, dict[str, str], bytes]
# A route is a fixed response, or a function of how often the path was requested before (and,
# when it takes two arguments, of the request's headers: conditional requests).
RouteSpec = Route | Callable[[int], Route] | Callable[[int, Message], Route]


@contextmanager
def serve(routes: dict[str, RouteSpec], host: str = "127.0.0.1") -> Iterator[tuple[str, list[str]]]:
    """Serve ``routes`` on ``host`` (loopback only); yield the base URL and the request log."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            spec = routes.get(self.path, (404, {}, b"not found"))
            if callable(spec):
                count = seen.count(self.path)
                takes_headers = len(inspect.signature(spec).parameters) == 2
                status, headers, body = spec(count, self.headers) if takes_headers \
                    else spec(count)  # type: ignore[call-arg]
            else:
                status, headers, body = spec
            seen.append(self.path)
            self.send_response(status)
            for k, v in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    srv = ThreadingHTTPServer((host, 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://{host}:{srv.server_address[1]}", seen
    finally:
        srv.shutdown()
        srv.server_close()


def one_article_site(page: bytes) -> dict[str, RouteSpec]:
    """robots.txt, an RSS feed with one item, and that item's page at /a.html."""
    return {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
            "/feed.xml": (200, {"Content-Type": "application/rss+xml"},
                          b"<rss version='2.0'><channel><title>t</title><item><title>a</title>"
                          b"<link>/a.html</link></item></channel></rss>"),
            "/a.html": (200, {}, page)}


def feed_project(path: Path, base: str, brands: str, source: str) -> Path:
    """A project config with ``brands`` (YAML flow list) and one news source on ``base``'s feed,
    allowed to fetch from loopback."""
    path.write_text(f"brands: {brands}\n"
                    f"sources:\n  - {{name: {source}, kind: news, feeds: ['{base}/feed.xml']}}\n"
                    "settings: {allow_private_hosts: ['127.0.0.1'], autothrottle: false}\n")
    return path
