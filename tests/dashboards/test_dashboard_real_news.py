"""The dashboard on real news nobody here wrote: the 160 fundus test pages (German, English, one
Russian; 105 publishers, 2019–2026) served on loopback as two news sites, crawled, enriched and
indexed by `brandradar run` with the 48 companies of the real-news mention sample (the
``real_news_run`` fixture, tests/dashboards/conftest.py). Every count
opens as many rows, the days add up to the period, topics open their documents, and the export
holds the explorer's rows — on real text, real dates over several years and real brand names."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from brandradar.dashboards.reports.report import write_report
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.stages import Context
from tests.dashboards.views import api_client, drill_down, get, last_days

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def news(real_news_run: Path) -> Iterator[tuple[TestClient, Context, DuckDBStore]]:
    with api_client(real_news_run) as client:
        yield client


def test_real_pages_become_dated_documents_over_years(
        news: tuple[TestClient, Context, DuckDBStore]) -> None:
    _, _, store = news
    counts = store.counts()
    assert counts["documents"] == 160 and counts["undated_documents"] <= 8, counts
    first, last = store.time_range()
    assert first is not None and last is not None and (last - first).days > 365


def test_every_count_on_real_news_drills_down_to_as_many_rows(
        news: tuple[TestClient, Context, DuckDBStore]) -> None:
    client, _, store = news
    # Real news names many of the 48 companies; every one of them opens as many rows.
    assert drill_down(client, {}) >= 15
    assert drill_down(client, last_days(store, 365)) >= 5


def test_real_days_add_up_to_the_period_in_every_year(
        news: tuple[TestClient, Context, DuckDBStore]) -> None:
    client, _, store = news
    d = get(client, "/api/overview")
    years = {date.fromisoformat(r["day"][:10]).year for r in d["daily"]}
    # A document without a date is in no day, but in the all-data share.
    row = store.con.execute("SELECT count(DISTINCT (brand, doc_id)) FROM mentions"
                            " WHERE published IS NULL").fetchone()
    undated = int(row[0]) if row else 0
    assert sum(r["mentions"] for r in d["daily"]) == sum(
        r["mentions"] for r in d["sov"]) - undated
    assert len(years) >= 3


def test_a_real_topic_opens_its_documents(news: tuple[TestClient, Context, DuckDBStore]) -> None:
    client, _, store = news
    view = last_days(store, 3650)
    trends = get(client, "/api/topics", **view)["trends"]
    assert trends, "160 real articles over years must yield topics for the period"
    for trend in trends[:5]:
        topic = get(client, "/api/topics", topic=trend["phrase"], **view)["topic"]
        assert topic["total"] == trend["documents"] == len(topic["rows"]) > 0, trend["phrase"]


def test_the_export_of_a_real_view_holds_its_rows_with_source_names(
        news: tuple[TestClient, Context, DuckDBStore]) -> None:
    client, ctx, _ = news
    page = get(client, "/api/mentions", fold="document", limit="500")
    assert 0 < page["total"] <= 500
    res = client.get("/api/mentions.csv", params={"fold": "document"})
    assert res.status_code == 200
    table = list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert len(table) == page["total"]
    assert {r["Source"] for r in table} <= {"Presse (de)", "Press (en)"}
    assert [r["Brand"] for r in table] == [r["brand"] for r in page["rows"]]
    assert set(ctx.source_names.values()) == {"Presse (de)", "Press (en)"}


def test_a_real_report_claims_no_change_from_a_handful_of_mentions(
        news: tuple[TestClient, Context, DuckDBStore], tmp_path: Path) -> None:
    """A year of real news against the year before: sentiment moved by far more than 0.15 for
    brands with a few mentions, and the summary does not call that a clear change."""
    _, ctx, store = news
    last = store.time_range()[1]
    assert last is not None
    since = last.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=364)
    out = write_report(ctx, "json", tmp_path / "r.json", since, last + timedelta(days=1))
    report = json.loads(out.read_text(encoding="utf-8"))
    moved = [s for s in report["sentiment"]
             if s["net_change"] is not None and abs(s["net_change"]) >= 0.15]
    assert moved and all(min(s["scored"], s["scored_before"]) < 30 for s in moved)
    assert not any("clearly" in line for line in report["summary"])
