"""The dashboard's HTTP API in process (Starlette's test client) on the demo run's store: every
number links to a list of exactly that many rows, the explorer pages through a view once,
exports hold the explorer's rows, and bad views, hosts and tokens get one clear answer."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from brandradar.dashboards.web.server import Dashboard, allowed_hosts, create_app
from brandradar.index.analytics import share_of_voice
from brandradar.index.duckdb.store import DuckDBStore
from tests.dashboards.views import api_client, drill_down
from tests.dashboards.views import get as _get
from tests.dashboards.views import last_days as _last_days

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(demo_run: dict[str, Any]) -> Iterator[tuple[TestClient, Any, DuckDBStore]]:
    with api_client(demo_run["workdir"]) as client:
        yield client


@pytest.mark.parametrize("days", [None, 30])
def test_every_count_drills_down_to_as_many_rows(
        demo: tuple[TestClient, Any, DuckDBStore], days: int | None) -> None:
    client, _, store = demo
    view = _last_days(store, days) if days else {}
    assert drill_down(client, view) >= 5


def test_the_explorer_pages_through_a_view_once_in_its_order(
        demo: tuple[TestClient, Any, DuckDBStore]) -> None:
    client, _, store = demo
    seen: list[dict[str, Any]] = []
    total = None
    offset = 0
    while True:
        page = _get(client, "/api/mentions", brand="Voltaro", fold="none", limit="97",
                    offset=str(offset))
        total = page["total"]
        seen += page["rows"]
        offset += 97
        if offset >= total:
            break
    ids = [r["mention_id"] for r in seen]
    expected = store.con.execute("SELECT count(*) FROM mentions WHERE brand = 'Voltaro'"
                                 ).fetchone()
    assert expected and len(ids) == len(set(ids)) == total == expected[0]
    times = [r["published"] for r in seen]
    assert times == sorted(times, reverse=True)
    worst = _get(client, "/api/mentions", brand="Voltaro", sort="negative", limit="200")["rows"]
    scores = [r["score"] for r in worst]
    assert scores == sorted(scores) and scores[0] < -0.5
    beyond = _get(client, "/api/mentions", brand="Voltaro", fold="none", offset=str(total + 5))
    assert beyond["rows"] == [] and beyond["total"] == total


def test_folding_shows_syndicated_copies_once(demo: tuple[TestClient, Any, DuckDBStore]) -> None:
    client, _, _ = demo
    folded = _get(client, "/api/mentions", limit="500")
    copies = [r for r in folded["rows"] if r["copies"] > 1]
    assert copies, "the demo web syndicates news articles; some story must fold copies"
    flat = _get(client, "/api/mentions", fold="document", limit="500")
    assert flat["total"] > folded["total"]
    keys = [(r["brand"], r["story_id"]) for r in folded["rows"]]
    assert len(keys) == len(set(keys))


def test_full_text_search_ranks_and_marks_relevance(
        demo: tuple[TestClient, Any, DuckDBStore]) -> None:
    client, _, _ = demo
    hits = _get(client, "/api/mentions", q="Akku", brand="Voltaro")
    assert hits["sort"] == "relevance" and hits["total"] > 0
    ranks = [r["rank"] for r in hits["rows"]]
    assert ranks == sorted(ranks, reverse=True)
    assert all("akku" in (r["title"] + " " + r["span_text"]).lower() or r["rank"] > 0
               for r in hits["rows"])


def test_exports_hold_the_explorer_rows(demo: tuple[TestClient, Any, DuckDBStore]) -> None:
    client, _, store = demo
    view = {**_last_days(store, 30), "brand": "Voltaro", "fold": "document"}
    rows: list[dict[str, Any]] = []
    page = _get(client, "/api/mentions", limit="500", **view)
    rows += page["rows"]
    while len(rows) < page["total"]:
        page = _get(client, "/api/mentions", limit="500", offset=str(len(rows)), **view)
        rows += page["rows"]
    res = client.get("/api/mentions.csv", params=view)
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    assert "attachment" in res.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig"))))
    header, body = table[0], table[1:]
    assert header[:3] == ["Published (UTC)", "Brand", "Sentiment"]
    ids = [line[header.index("Mention id")] for line in body]
    assert ids == [r["mention_id"] for r in rows]
    # Sources by the display names of the project's config, as the pages show them.
    names = _get(client, "/api/meta")["source_names"]
    assert names["demo_rad_kurier"] == "Rad-Kurier (demo)"
    assert [line[header.index("Source")] for line in body] == [names[r["source"]] for r in rows]
    first = datetime.fromisoformat(rows[0]["published"]).replace(tzinfo=None)
    assert body[0][0] == first.isoformat(sep=" ")
    xlsx = client.get("/api/mentions.xlsx", params=view)
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert sheet.count("<row ") == len(rows) + 1
    # The date column holds numbers (Excel dates), not text.
    assert '<c r="A2" s="' in sheet and '<c r="A2" s="2" t="s">' not in sheet
    assert "Published (UTC)" in strings and rows[0]["mention_id"] in strings


def test_a_view_the_store_cannot_answer_is_a_400(demo: tuple[TestClient, Any, DuckDBStore]) -> None:
    client, _, _ = demo
    for params in ({"to": "9999-12-31"}, {"from": "0001-01-01"}, {"from": "2026-05-02",
                   "to": "2026-05-01"}, {"from": "yesterday"}, {"brands": "Nobody"}):
        res = client.get("/api/overview", params=params)
        assert res.status_code == 400 and res.json()["error"], params
    for params in ({"sort": "loudest"}, {"fold": "sideways"}, {"limit": "0"},
                   {"offset": "-1"}, {"limit": "many"}, {"brand": "Nobody"}):
        res = client.get("/api/mentions", params=params)
        assert res.status_code == 400 and res.json()["error"], params
    assert client.get("/api/mentions.pdf").status_code == 404
    assert client.get("/api/nothing").status_code == 404


def test_the_period_is_read_in_the_display_time_zone(demo: tuple[TestClient, Any,
                                                                 DuckDBStore]) -> None:
    _, ctx, store = demo
    berlin = Dashboard(store, ctx.brands, Path(ctx.workdir), zone="Europe/Berlin")
    client = TestClient(create_app(berlin, None, ["127.0.0.1"]), base_url="http://127.0.0.1")
    view = _last_days(store, 7)
    d = client.get("/api/overview", params=view).json()
    zone = ZoneInfo("Europe/Berlin")
    since = datetime.fromisoformat(view["from"]).replace(tzinfo=zone)
    until = datetime.fromisoformat(view["to"]).replace(tzinfo=zone) + timedelta(days=1)
    expected = share_of_voice(store, ctx.brands, since, until)
    assert [r["mentions"] for r in d["sov"]] == [r["mentions"] for r in expected]
    assert client.get("/api/meta").json()["timezone"] == "Europe/Berlin"
    # The daily chart's days are Berlin's days: within the period picked, the same counts as
    # the documents' Berlin dates (a UTC day would start an hour or two late).
    days = {r["day"] for r in d["daily"]}
    assert days and view["from"] <= min(days) and max(days) <= view["to"]
    assert sum(r["mentions"] for r in d["daily"]) == sum(r["mentions"] for r in expected)


def test_kpis_compare_with_the_period_before(demo: tuple[TestClient, Any, DuckDBStore]) -> None:
    client, ctx, store = demo
    view = _last_days(store, 7)
    k = _get(client, "/api/overview", **view)["kpis"]
    since = datetime.fromisoformat(view["from"]).replace(tzinfo=ZoneInfo("UTC"))
    before = share_of_voice(store, ctx.brands, since - timedelta(days=7), since)
    assert k["previous_from"] == str((since - timedelta(days=7)).date())
    assert k["previous_to"] == str((since - timedelta(days=1)).date())
    assert k["previous"]["mentions"] == sum(r["mentions"] for r in before)
    own = next(r for r in before if r["role"] == "own")
    assert k["previous"]["own_mentions"] == own["mentions"]
    assert k["current"]["alerts"] >= 1  # the demo's crisis is in the last week
    assert _get(client, "/api/overview")["kpis"]["previous"] is None  # all data: nothing before


def test_hosts_and_tokens(demo: tuple[TestClient, Any, DuckDBStore]) -> None:
    _, ctx, store = demo
    dash = Dashboard(store, ctx.brands, Path(ctx.workdir))
    app = create_app(dash, "s3cret-token", allowed_hosts("127.0.0.1", "s3cret-token", []))
    client = TestClient(app, base_url="http://127.0.0.1:8780")
    # The page holds no data: it loads without the token and then sends it with every call.
    assert client.get("/").status_code == 200 and client.get("/app.js").status_code == 200
    assert client.get("/api/meta").status_code == 401
    assert client.get("/api/meta", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/meta", headers={"Authorization": "Bearer s3cret-token"}
                      ).status_code == 200
    assert client.get("/api/mentions.csv", params={"token": "s3cret-token"}).status_code == 200
    # DNS rebinding: a page on another name that resolves to 127.0.0.1 is refused.
    rebound = TestClient(app, base_url="http://attacker.example:8780")
    assert rebound.get("/").status_code == 400
    assert rebound.get("/api/meta", headers={"Authorization": "Bearer s3cret-token"}
                       ).status_code == 400
    assert allowed_hosts("0.0.0.0", "t", []) == ["*"]
    assert "radar.example.org" in allowed_hosts("0.0.0.0", "t", ["radar.example.org"])
    assert "127.0.0.2" in allowed_hosts("127.0.0.2", "t", [])


def test_the_cli_and_the_dashboard_read_a_period_the_same_way(
        demo: tuple[TestClient, Any, DuckDBStore], demo_run: dict[str, Any]) -> None:
    import json

    from tests.conftest import run_cli

    client, _, store = demo
    view = _last_days(store, 7)
    proc = run_cli("sov", "--workdir", str(demo_run["workdir"]), "--json",
                   "--since", view["from"], "--until", view["to"])
    assert proc.returncode == 0, proc.stderr
    cli = {r["brand"]: r["mentions"] for r in json.loads(proc.stdout)}
    shown = {r["brand"]: r["mentions"] for r in _get(client, "/api/overview", **view)["sov"]}
    assert cli == shown and sum(cli.values()) > 0


def test_the_authors_page_follows_the_brand_choice(
        demo: tuple[TestClient, Any, DuckDBStore], demo_run: dict[str, Any]) -> None:
    import json

    from tests.conftest import run_cli

    client, _, _ = demo
    everyone = _get(client, "/api/authors")["authors"]
    about = _get(client, "/api/authors", brands="Voltaro")["authors"]
    assert about and sum(a["posts"] for a in about) < sum(a["posts"] for a in everyone)
    assert sum(a["mentions"] for a in about) < sum(a["mentions"] for a in everyone)
    proc = run_cli("authors", "--workdir", str(demo_run["workdir"]), "--json",
                   "--brands", "Voltaro")
    assert proc.returncode == 0, proc.stderr
    assert [(a["author"], a["posts"]) for a in json.loads(proc.stdout)[:200]] == \
        [(a["author"], a["posts"]) for a in about]
    proc = run_cli("authors", "--workdir", str(demo_run["workdir"]), "--brands", "Nobody")
    assert proc.returncode == 2 and "unknown brand 'Nobody'" in proc.stderr


def test_a_topic_opens_as_many_documents_for_any_period(
        demo: tuple[TestClient, Any, DuckDBStore], demo_run: dict[str, Any]) -> None:
    client, _, store = demo
    planted = {t["url"] for t in demo_run["truth"] if t["topic"]}
    last = _get(client, "/api/topics")
    assert not last["period"] and any(t["phrase"] == "suncharge" for t in last["trends"])
    for view in ({}, _last_days(store, 7)):
        d = _get(client, "/api/topics", topic="suncharge", **view)
        trend = next(t for t in d["trends"] if t["phrase"] == "suncharge")
        topic = d["topic"]
        assert topic["total"] == trend["documents"] == len(topic["rows"]) > 0, view
        assert {r["url"] for r in topic["rows"]} <= planted
        # Topic documents need not mention a tracked brand: they are listed all the same.
        assert all(isinstance(r["brands"], list) for r in topic["rows"])
    old = _last_days(store, 60)
    old["to"] = str(datetime.fromisoformat(old["from"]).date() + timedelta(days=6))
    before = _get(client, "/api/topics", **old)
    assert before["period"] and not any(t["phrase"] == "suncharge" for t in before["trends"])
    res = client.get("/api/topics", params={"topic": "nothing-like-this"})
    assert res.status_code == 400


def test_a_short_period_is_counted_by_the_hour(demo: tuple[TestClient, Any,
                                                         DuckDBStore]) -> None:
    client, _, store = demo
    alert = store.alerts()[0]
    day = alert["start"][:10]
    d = _get(client, "/api/overview", **{"from": day, "to": day})
    hourly = d["hourly"]
    assert len(hourly["hours"]) == 24 and hourly["hours"][0].startswith(f"{day}T00:00")
    per_brand: dict[str, int] = {}
    for r in hourly["rows"]:
        per_brand[r["brand"]] = per_brand.get(r["brand"], 0) + r["mentions"]
    # A document has one hour: the hours add up to the day's documents per brand.
    assert per_brand == {r["brand"]: r["mentions"] for r in d["sov"] if r["mentions"]}
    peak = max((r for r in hourly["rows"] if r["brand"] == alert["brand"]),
               key=lambda r: r["mentions"])
    assert alert["start"] <= peak["hour"] < alert["end"]
    assert _get(client, "/api/overview", **_last_days(store, 7))["hourly"] is None


def test_kpis_compare_with_a_chosen_period(demo: tuple[TestClient, Any, DuckDBStore]) -> None:
    client, ctx, store = demo
    view = _last_days(store, 7)
    chosen = _last_days(store, 30)
    chosen["to"] = str(datetime.fromisoformat(chosen["from"]).date() + timedelta(days=9))
    k = _get(client, "/api/overview", compare_from=chosen["from"], compare_to=chosen["to"],
             **view)["kpis"]
    since = datetime.fromisoformat(chosen["from"]).replace(tzinfo=ZoneInfo("UTC"))
    expected = share_of_voice(store, ctx.brands, since, since + timedelta(days=10))
    assert (k["previous_from"], k["previous_to"]) == (chosen["from"], chosen["to"])
    assert k["previous"]["mentions"] == sum(r["mentions"] for r in expected)
    res = client.get("/api/overview", params={"compare_from": chosen["from"], **view})
    assert res.status_code == 400
