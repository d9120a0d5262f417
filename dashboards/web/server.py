"""``brandradar serve``: the built-in web dashboard (static page + JSON API) on Starlette.

Starlette gives the routing, the request parsing and an in-process test client; uvicorn serves
it. Three rules hold for every request: the ``Host`` header must name this server (a page on
another site that re-points its own DNS name at 127.0.0.1 — DNS rebinding — is refused), the API
needs the token when one is set (the static page, script and style hold no data and load
without it, so the page can move the token out of the address bar), and a view the store cannot
answer (``?to=9999-12-31``) is a 400 with one line, never a dropped connection.
"""

from __future__ import annotations

import hmac
import json
import logging
import socket
import threading
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from brandradar.config import Brand, TrendRules
from brandradar.dashboards.web.api import (
    correct_label,
    export_mentions,
    page_data,
    set_alert_state,
)
from brandradar.errors import ConfigError
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.index.store import Store

if TYPE_CHECKING:
    from brandradar.stages import Context

log = logging.getLogger(__name__)

_STATIC = {"/": ("index.html", "text/html; charset=utf-8"),
           "/app.js": ("app.js", "text/javascript; charset=utf-8"),
           "/style.css": ("style.css", "text/css; charset=utf-8")}
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_WILDCARD = ("0.0.0.0", "::", "")
# A label correction or alert change is a small JSON object; anything larger is refused unread.
_MAX_BODY = 16_384


def _json_default(o: Any) -> Any:
    if isinstance(o, datetime | date):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def _json(status: int, data: Any) -> Response:
    body = json.dumps(data, default=_json_default, ensure_ascii=False).encode()
    return Response(body, status, media_type="application/json", headers=_SECURITY_HEADERS)


def _error(status: int, message: str) -> Response:
    return _json(status, {"error": message})


class Dashboard:
    """The dashboard's data access: one store connection guarded by a lock."""

    def __init__(self, store: Store, brands: list[Brand], workdir: Path,
                 weights: dict[str, float] | None = None, zone: str = "UTC",
                 trend_rules: TrendRules | None = None,
                 source_names: dict[str, str] | None = None) -> None:
        self.store = store
        self.source_names = source_names or {}
        self.trend_rules = trend_rules
        self.zone = zone
        self.brands = brands
        self.workdir = workdir
        self.weights = weights or {}
        self.lock = threading.Lock()

    def _read(self, work: Callable[[], Any]) -> Any:
        """``work`` on the newest published store, one request at a time."""
        with self.lock:
            # A run published a new store since the last request: read that one.
            self.store.refresh()
            return work()

    def api(self, name: str, query: dict[str, list[str]]) -> Any:
        """The JSON of an ``/api/<name>`` page (None when there is no such page)."""
        return self._read(lambda: page_data(
            name, self.store, self.brands, self.workdir, self.weights, query, self.zone,
            self.trend_rules, self.source_names))

    def export(self, fmt: str, query: dict[str, list[str]]) -> tuple[bytes, str]:
        """The explorer's current view as a CSV or XLSX file: (body, media type)."""
        body: tuple[bytes, str] = self._read(lambda: export_mentions(
            self.store, self.brands, query, fmt, self.zone, self.source_names))
        return body


Endpoint = Callable[[Request], Awaitable[Response]]


def _needs_token(token: str | None, endpoint: Endpoint) -> Endpoint:
    """``endpoint`` behind the token (``Authorization: Bearer`` or ``?token=``), when set."""

    async def guarded(request: Request) -> Response:
        if token:
            given = request.query_params.get("token") or \
                request.headers.get("authorization", "").removeprefix("Bearer ")
            if not hmac.compare_digest(given.encode(), token.encode()):
                return PlainTextResponse("token required", 401, headers=_SECURITY_HEADERS)
        return await endpoint(request)

    return guarded


def _query(request: Request) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        query.setdefault(key, []).append(value)
    return query


def create_app(dash: Dashboard, token: str | None = None,
               hosts: list[str] | None = None) -> Starlette:
    """The dashboard as an ASGI app; ``hosts``: the names the ``Host`` header may carry
    (``["*"]`` accepts any, for a token-protected dashboard behind a proxy)."""

    async def static(request: Request) -> Response:
        name, ctype = _STATIC[request.url.path]
        body = resources.files("brandradar.dashboards.web").joinpath(
            f"static/{name}").read_bytes()
        return Response(body, 200, media_type=ctype, headers=_SECURITY_HEADERS)

    async def api(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            # The store's queries block: in the thread pool, so one slow view does not hold up
            # every other request (the standard-library server before had a thread each).
            if name in ("mentions.csv", "mentions.xlsx"):
                body, ctype = await run_in_threadpool(dash.export, name.rsplit(".", 1)[1],
                                                      _query(request))
                return Response(body, 200, media_type=ctype, headers={
                    **_SECURITY_HEADERS,
                    "Content-Disposition": f'attachment; filename="brandradar-{name}"'})
            data = await run_in_threadpool(dash.api, name, _query(request))
        except (ValueError, OverflowError) as exc:
            return _error(400, str(exc))
        return _error(404, f"no page {name[:40]!r}") if data is None else _json(200, data)

    async def change(request: Request) -> Response:
        # Only JSON: a browser cannot send it from another site without a CORS preflight
        # this server never answers, so a page elsewhere cannot change anything.
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _error(415, "send application/json")
        length = request.headers.get("content-length", "")
        if not length.isdigit() or not 0 < int(length) <= _MAX_BODY:
            return _error(413, "body missing or too large")
        body = await request.body()

        def apply(data: Any) -> dict[str, Any]:
            with dash.lock:
                if request.url.path == "/api/labels":
                    return correct_label(dash.workdir, data)
                dash.store.refresh()
                return set_alert_state(dash.store, dash.workdir, data)

        try:
            result = await run_in_threadpool(apply, json.loads(body))
        except ValueError as exc:
            return _error(400, str(exc))
        return _json(201, result)

    routes = [Route(path, static) for path in _STATIC]
    routes += [Route("/api/labels", _needs_token(token, change), methods=["POST"]),
               Route("/api/alerts/state", _needs_token(token, change), methods=["POST"]),
               Route("/api/{name}", _needs_token(token, api))]
    allowed = list(hosts or ["*"])
    return Starlette(routes=routes,
                     middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=allowed)])


class DashboardServer:
    """uvicorn on a socket bound up front (port 0 picks a free one), with the calls of a
    standard-library server: ``serve_forever``, ``shutdown``, ``server_close``."""

    def __init__(self, app: Starlette, sock: socket.socket, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self.socket = sock
        self.server_address = sock.getsockname()[:2]
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning",
                                                     access_log=False, lifespan="off"))
        self._done = threading.Event()

    def serve_forever(self) -> None:
        """Serve until ``shutdown`` (or Ctrl-C in the main thread)."""
        try:
            self._server.run(sockets=[self.socket])
        finally:
            self._done.set()

    def shutdown(self) -> None:
        """Stop serving and wait until the server has stopped."""
        self._server.should_exit = True
        self._done.wait(30)

    def server_close(self) -> None:
        """Release the socket and the store (a DuckDB file stays locked otherwise)."""
        self.socket.close()
        with self.dashboard.lock:
            self.dashboard.store.close()


def allowed_hosts(host: str, token: str | None, extra: list[str]) -> list[str]:
    """The ``Host`` names the dashboard answers: the bound address, loopback names and the
    configured ``dashboard_hosts``; any name behind a token on a wildcard address when none are
    configured (the token, not the name, protects it there)."""
    if host in _WILDCARD and token and not extra:
        return ["*"]
    return sorted({*_LOOPBACK, *([] if host in _WILDCARD else [host]), *extra})


def serve(ctx: Context, host: str = "127.0.0.1", port: int = 8780,
          token: str | None = None) -> DashboardServer:
    """Create the dashboard server of a project (call ``serve_forever`` on it)."""
    settings = ctx.settings
    if host not in _LOOPBACK and not token:
        raise ConfigError(f"serve: binding to {host} needs --token (the dashboard shows crawled "
                          "personal data)")
    db = Path(settings.workdir) / "brandradar.duckdb"
    if not db.exists():
        raise ConfigError(f"{db}: not found (run the pipeline first)")
    store = DuckDBStore(db, read_only=True)
    dash = Dashboard(store, ctx.brands, Path(settings.workdir), ctx.project.source_weights,
                     settings.display_timezone, ctx.project.trends, ctx.source_names)
    app = create_app(dash, token, allowed_hosts(host, token, settings.dashboard_hosts))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        store.close()
        raise
    return DashboardServer(app, sock, dash)
