"""The dashboard on real news nobody here wrote: the 160 fundus test pages (German, English, one
Russian; 105 publishers, 2019–2026) served on loopback as two news sites, crawled, enriched and
indexed by `brandradar run` with the 48 companies of the real-news mention sample. Every count
opens as many rows, the days add up to the period, topics open their documents, and the export
holds the explorer's rows — on real text, real dates over several years and real brand names."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from brandradar.dashboards.web.server import Dashboard, allowed_hosts, create_app
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.stages import Context, context_from_workdir
from tests.conftest import run_cli
from tests.dashboards.views import drill_down, get, last_days
from tests.webserver import RouteSpec, serve

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FUNDUS = FIXTURES / "extraction" / "fundus"
BRANDS = FIXTURES / "mentions" / "news_brands.yaml"


def _site() -> dict[str, RouteSpec]:
    """Two news sites on one host: the German pages under /de/, the others under /en/, each with
    an RSS feed of its pages, served as recorded (no charset claimed: the crawler finds it)."""
    routes: dict[str, RouteSpec] = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n")}
    items: dict[str, list[str]] = {"de": [], "en": []}
    for line in (FUNDUS / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        site = "de" if page["lang"] == "de" else "en"
        path = f"/{site}/{page['id']}.html"
        routes[path] = (200, {"Content-Type": "text/html"},
                        gzip.decompress((FUNDUS / page["html_file"]).read_bytes()))
        items[site].append(f"<item><title>{page['id']}</title><link>{path}</link></item>")
    for site, links in items.items():
        routes[f"/{site}.xml"] = (200, {"Content-Type": "application/rss+xml"}, (
            f"<rss version='2.0'><channel><title>{site}</title>{''.join(links)}"
            "</channel></rss>").encode())
    return routes


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Context,
                                                                    DuckDBStore]]:
    tmp = tmp_path_factory.mktemp("real_news")
    (tmp / "brands.yaml").write_bytes(BRANDS.read_bytes())
    with serve(_site()) as (base, seen):
        config = tmp / "project.yaml"
        config.write_text(
            "brands_file: brands.yaml\nsources:\n"
            f"  - {{name: presse_de, display_name: Presse (de), kind: news, feeds: ['{base}/de.xml']}}\n"
            f"  - {{name: press_en, display_name: Press (en), kind: news, feeds: ['{base}/en.xml']}}\n"
            # All publishers are served from one loopback host: one domain, not 105.
            "trends: {min_domains: 1}\n"
            "settings: {allow_private_hosts: ['127.0.0.1'], autothrottle: false}\n")
        proc = run_cli("run", "--config", str(config), "--workdir", str(tmp / "work"),
                       timeout=1500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sum(p.endswith(".html") for p in seen) == 160
    ctx = context_from_workdir(tmp / "work")
    store = DuckDBStore(Path(ctx.workdir) / "brandradar.duckdb", read_only=True)
    dash = Dashboard(store, ctx.brands, Path(ctx.workdir), ctx.project.source_weights,
                     source_names=ctx.source_names, trend_rules=ctx.project.trends)
    app = create_app(dash, None, allowed_hosts("127.0.0.1", None, []))
    with TestClient(app, base_url="http://127.0.0.1:8780") as client:
        yield client, ctx, store
    store.close()


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
