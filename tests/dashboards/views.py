"""Dashboard API checks shared by the demo-web and the real-news tests: read a page's data, pick
the last days of a store, and follow every count of the overview to the list behind it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from brandradar.index.duckdb.store import DuckDBStore


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
