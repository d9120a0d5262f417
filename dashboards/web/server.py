"""``brandradar serve``: the built-in web dashboard (static page + JSON API) on loopback.

The standard library's threading HTTP server is enough for a single team's dashboard and keeps
the embedded default free of a web framework. Binding to anything but loopback requires a token.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from brandradar.config import Brand
from brandradar.dashboards.web.api import correct_label, page_data, set_alert_state
from brandradar.errors import ConfigError
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.index.store import Store
from brandradar.settings import Settings

log = logging.getLogger(__name__)

_STATIC = {"/": ("index.html", "text/html; charset=utf-8"),
           "/app.js": ("app.js", "text/javascript; charset=utf-8"),
           "/style.css": ("style.css", "text/css; charset=utf-8")}
_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"


def _json_default(o: Any) -> Any:
    if isinstance(o, datetime | date):
        return o.isoformat()
    raise TypeError(type(o).__name__)


class Dashboard:
    """The dashboard's data access: one store connection guarded by a lock."""

    def __init__(self, store: Store, brands: list[Brand], workdir: Path,
                 weights: dict[str, float] | None = None) -> None:
        self.store = store
        self.brands = brands
        self.workdir = workdir
        self.weights = weights or {}
        self.lock = threading.Lock()

    def api(self, path: str, query: dict[str, list[str]]) -> Any:
        """The JSON of an ``/api/<page>`` path (None when there is no such page)."""
        with self.lock:
            # A run published a new store since the last request: read that one.
            self.store.refresh()
            return page_data(path.removeprefix("/api/"), self.store, self.brands, self.workdir,
                             self.weights, query)


# A label correction or alert change is a small JSON object; anything larger is refused unread.
_MAX_BODY = 16_384


def make_handler(dash: Dashboard, token: str | None) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one dashboard."""

    class Handler(BaseHTTPRequestHandler):
        def _authorised(self, query: dict[str, list[str]]) -> bool:
            given = (query.get("token") or [""])[0] or \
                (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            if token and not hmac.compare_digest(given.encode(), token.encode()):
                self._send(401, "text/plain", b"token required")
                return False
            return True

        def _send_json(self, status: int, data: Any) -> None:
            body = json.dumps(data, default=_json_default, ensure_ascii=False).encode()
            self._send(status, "application/json; charset=utf-8", body)

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            if not self._authorised(parse_qs(parts.query)):
                return
            if parts.path not in ("/api/labels", "/api/alerts/state"):
                self._send(404, "text/plain", b"not found")
                return
            # Only JSON: a browser cannot send it from another site without a CORS preflight
            # this server never answers, so a page elsewhere cannot change anything.
            if (self.headers.get("Content-Type") or "").split(";")[0].strip() != \
                    "application/json":
                self._send(415, "text/plain", b"send application/json")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= _MAX_BODY:
                self._send(413, "text/plain", b"body missing or too large")
                return
            try:
                body = json.loads(self.rfile.read(length))
                with dash.lock:
                    if parts.path == "/api/labels":
                        data = correct_label(dash.workdir, body)
                    else:
                        dash.store.refresh()
                        data = set_alert_state(dash.store, dash.workdir, body)
            except ValueError as exc:
                self._send_json(400, {"error": str(exc)})
                return
            self._send_json(201, data)

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", _CSP)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            if not self._authorised(query):
                return
            if parts.path in _STATIC:
                name, ctype = _STATIC[parts.path]
                body = resources.files("brandradar.dashboards.web").joinpath(
                    f"static/{name}").read_bytes()
                self._send(200, ctype, body)
                return
            if parts.path.startswith("/api/"):
                try:
                    data = dash.api(parts.path, query)
                except ValueError as exc:
                    self._send(400, "application/json", json.dumps({"error": str(exc)}).encode())
                    return
                if data is not None:
                    self._send_json(200, data)
                    return
            self._send(404, "text/plain", b"not found")

        def log_message(self, format: str, *args: object) -> None:
            log.debug("dashboard " + format, *args)

    return Handler


class DashboardServer(ThreadingHTTPServer):
    """The HTTP server; closing it releases the store (a DuckDB file stays locked otherwise)."""

    daemon_threads = True
    dashboard: Dashboard

    def server_close(self) -> None:
        super().server_close()
        with self.dashboard.lock:
            self.dashboard.store.close()


def serve(settings: Settings, brands: list[Brand], host: str = "127.0.0.1", port: int = 8780,
          token: str | None = None,
          weights: dict[str, float] | None = None) -> DashboardServer:
    """Create the dashboard server (call ``serve_forever`` on it)."""
    if host not in ("127.0.0.1", "localhost", "::1") and not token:
        raise ConfigError(f"serve: binding to {host} needs --token (the dashboard shows crawled "
                          "personal data)")
    db = Path(settings.workdir) / "brandradar.duckdb"
    if not db.exists():
        raise ConfigError(f"{db}: not found (run the pipeline first)")
    store = DuckDBStore(db, read_only=True)
    dash = Dashboard(store, brands, Path(settings.workdir), weights)
    try:
        httpd = DashboardServer((host, port), make_handler(dash, token))
    except OSError:
        store.close()
        raise
    httpd.dashboard = dash
    return httpd
