"""Dashboard API checks shared by the demo-web and the real-news tests: the API of a work
directory in process, a page's data, the last days of a store, and every count of the overview
followed to the list behind it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from brandradar.dashboards.web.server import Dashboard, allowed_hosts, create_app
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.stages import Context, context_from_workdir


@contextmanager
def api_client(workdir: Path) -> Iterator[tuple[TestClient, Context, DuckDBStore]]:
    """The dashboard of a work directory in process (its project's brands, weights, trend
    rules and source names, as `brandradar serve` builds it), its context and its store."""
    ctx = context_from_workdir(workdir)
    store = DuckDBStore(Path(ctx.workdir) / "brandradar.duckdb", read_only=True)
    dash = Dashboard(store, ctx.brands, Path(ctx.workdir), ctx.project.source_weights,
                     trend_rules=ctx.project.trends, source_names=ctx.source_names)
    app = create_app(dash, None, allowed_hosts("127.0.0.1", None, []))
    try:
        with TestClient(app, base_url="http://127.0.0.1:8780") as client:
            yield client, ctx, store
    finally:
        store.close()


def get(client: TestClient, path: str, **params: str) -> Any:
    """The JSON of ``path``, which must answer 200."""
    res = client.get(path, params=params)
    assert res.status_code == 200, res.text
    return res.json()


def last_days(store: DuckDBStore, n: int) -> dict[str, str]:
    """The view of the ``n`` days up to the store's newest mention."""
    last = store.time_range()[1]
    assert last is not None
    return {"from": str((last - timedelta(days=n - 1)).date()), "to": str(last.date())}


def drill_down(client: TestClient, view: dict[str, str]) -> int:
    """Open the mentions behind every brand's count of the overview of ``view`` (documents,
    stories, negative mentions) and the KPI tile; return how many brands had mentions."""
    d = get(client, "/api/overview", **view)
    checked = 0
    for sov, story in zip(d["sov"], d["sov_story"], strict=True):
        brand = sov["brand"]
        assert story["brand"] == brand
        by_doc = get(client, "/api/mentions", brand=brand, fold="document", **view)
        by_story = get(client, "/api/mentions", brand=brand, **view)
        assert by_doc["total"] == sov["mentions"], brand
        assert by_story["total"] == story["mentions"], brand
        s = next((r for r in d["sentiment"] if r["brand"] == brand), None)
        negative = get(client, "/api/mentions", brand=brand, sentiment="negative", fold="none",
                       **view)
        assert negative["total"] == (s["negative"] if s else 0), brand
        assert {r["sentiment"] for r in negative["rows"]} <= {"negative"}
        checked += sov["mentions"] > 0
    every = get(client, "/api/mentions", fold="document", **view)
    assert every["total"] == d["kpis"]["current"]["mentions"] == sum(
        r["mentions"] for r in d["sov"])
    return checked
