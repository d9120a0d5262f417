"""A tiny loopback HTTP server for tests: routes map a path to (status, headers, body)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = tuple[int, dict[str, str], bytes]
# A route is a fixed response, or a function of how often the path was requested before.
RouteSpec = Route | Callable[[int], Route]


@contextmanager
def serve(routes: dict[str, RouteSpec], host: str = "127.0.0.1") -> Iterator[tuple[str, list[str]]]:
    """Serve ``routes`` on ``host`` (loopback only); yield the base URL and the request log."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            spec = routes.get(self.path, (404, {}, b"not found"))
            status, headers, body = spec(seen.count(self.path)) if callable(spec) else spec
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
