"""The same store tests on DuckDB and on Elasticsearch; both must give the same numbers.

Elasticsearch runs here as osmem-server (an in-memory server speaking the same API; a test-only
stand-in, since no Elasticsearch can be installed on these machines) and, marked ``live``, against
a real cluster when ES_URL is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from elastic_transport import Urllib3HttpNode
from elasticsearch import Elasticsearch

from brandradar.config import AlertRules, TrendRules, load_brands
from brandradar.index.analytics import (
    author_segments,
    detect_alerts,
    sentiment_over_time,
    share_of_voice,
    trending_topics,
)
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.index.elasticsearch.store import (
    PROJECTION_FIELDS,
    ElasticsearchStore,
    load_template,
)
from brandradar.index.store import Filters, Store
from brandradar.model import ENRICHED_FIELDS, MENTION_FIELDS
from brandradar.parquet import partitions, read_rows

pytestmark = pytest.mark.slow
BRANDS = load_brands(Path(__file__).resolve().parents[2] / "brandradar" / "demo" / "brands.yaml")


class PlainJsonNode(Urllib3HttpNode):
    """Test only: osmem-server rejects the client's vendor media type with 406."""

    def perform_request(self, method: str, target: str, body: bytes | None = None,
                        headers: Any = None, **kw: Any) -> Any:
        h = dict(headers or {})
        for k in list(h):
            if k.lower() in ("accept", "content-type"):
                h[k] = "application/json"
        return super().perform_request(method, target, body=body, headers=h, **kw)


@pytest.fixture(scope="module")
def rows(demo_run: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    wd = demo_run["workdir"]
    return read_rows(partitions(wd, "enriched")), read_rows(partitions(wd, "mentions"))


def _es_store(url: str, prefix: str, plain_json: bool) -> ElasticsearchStore:
    kw: dict[str, Any] = {"node_class": PlainJsonNode} if plain_json else {}
    if os.environ.get("ES_API_KEY") and not plain_json:
        kw["api_key"] = os.environ["ES_API_KEY"]
    # osmem-server has no ILM API (the live cluster has); tests/index/test_es_requests.py checks
    # the ILM requests themselves.
    return ElasticsearchStore(Elasticsearch(url, **kw), prefix=prefix, ilm=not plain_json)


@pytest.fixture(params=["duckdb", "osmem", pytest.param("live", marks=pytest.mark.live)])
def store(request: pytest.FixtureRequest, tmp_path: Path, rows: Any) -> Iterator[Store]:
    s: Store
    if request.param == "duckdb":
        s = DuckDBStore(tmp_path / "t.duckdb")
    elif request.param == "osmem":
        server = request.getfixturevalue("osmem_clone")
        s = _es_store(server.url, "brandradar-test", plain_json=True)
    else:
        url = os.environ.get("ES_URL")
        if not url:
            pytest.skip("ES_URL not set")
        prefix = f"brandradar-test-{datetime.now(UTC):%H%M%S%f}"
        s = _es_store(url, prefix, plain_json=False)
    assert s.upsert(*rows) == 0
    yield s
    if request.param == "live":
        es: Elasticsearch = s.es  # type: ignore[attr-defined]
        es.indices.delete(index=f"{s.prefix}-*")  # type: ignore[attr-defined]
    s.close()


@pytest.fixture(scope="module")
def reference(rows: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBStore]:
    s = DuckDBStore(tmp_path_factory.mktemp("ref") / "ref.duckdb")
    s.upsert(*rows)
    yield s
    s.close()


NOW = datetime.now(UTC)


def test_upsert_is_idempotent(store: Store, rows: Any) -> None:
    docs, mentions = rows
    expected = {"documents": len(docs), "mentions": len(mentions),
                "undated_documents": sum(d["published"] is None for d in docs),
                "undated_mentions": sum(m["published"] is None for m in mentions)}
    assert store.counts() == expected
    assert store.upsert(docs[:100], mentions[:100]) == 0
    assert store.counts() == expected


@pytest.mark.parametrize("per_story", [False, True])
def test_share_of_voice_parity(store: Store, reference: DuckDBStore, per_story: bool) -> None:
    since = NOW - timedelta(days=30)
    assert share_of_voice(store, BRANDS, since, NOW, per_story) == \
        share_of_voice(reference, BRANDS, since, NOW, per_story)
    assert share_of_voice(store, BRANDS, per_story=per_story) == \
        share_of_voice(reference, BRANDS, per_story=per_story)


def test_series_and_sentiment_parity(store: Store, reference: DuckDBStore) -> None:
    since = NOW - timedelta(days=60)

    def norm(rows: list[dict[str, Any]], key: str) -> list[tuple[Any, ...]]:
        return sorted((r["brand"], str(r[key])[:19], *(r[k] for k in sorted(r) if k not in ("brand", key)))
                      for r in rows)

    assert norm(store.hourly(since, NOW), "hour") == norm(reference.hourly(since, NOW), "hour")
    assert norm(store.daily(since, NOW), "day") == norm(reference.daily(since, NOW), "day")
    assert store.sentiment(None, None) == reference.sentiment(None, None)


def test_alerts_and_trends_parity(store: Store, reference: DuckDBStore) -> None:
    a = detect_alerts(store, BRANDS, AlertRules(), NOW)
    b = detect_alerts(reference, BRANDS, AlertRules(), NOW)
    strip = [{k: v for k, v in x.items() if k != "explanation"} for x in a]
    assert strip == [{k: v for k, v in x.items() if k != "explanation"} for x in b]
    assert [x["brand"] for x in a] == ["Voltaro"]
    assert {d["url"] for d in a[0]["explanation"]["top_documents"]} == \
        {d["url"] for d in b[0]["explanation"]["top_documents"]}
    t1 = trending_topics(store, TrendRules(), NOW)
    t2 = trending_topics(reference, TrendRules(), NOW)
    assert t1 == t2 and any(t["phrase"] == "suncharge" for t in t1)
    store.save_alerts(a)
    assert [x["alert_id"] for x in store.alerts()] == [x["alert_id"] for x in a]


def test_full_text_search(store: Store, rows: Any) -> None:
    text = {d["doc_id"]: (d["title"] + " " + d["text"]).lower() for d in rows[0]}
    hits = store.search("Akku", None, 20)
    assert len(hits) == 20
    assert all("akku" in text[h["doc_id"]] for h in hits)
    voltaro = store.search("Akku", "Voltaro", 20)
    assert voltaro and {h["brand"] for h in voltaro} == {"Voltaro"}
    newest = store.search(None, None, 5)
    assert len(newest) == 5
    assert [h["published"] for h in newest] == sorted((h["published"] for h in newest), reverse=True)


def test_templates_cover_the_data_model() -> None:
    for kind, fields in (("documents", ENRICHED_FIELDS), ("mentions", MENTION_FIELDS)):
        mapping = load_template(kind)["template"]["mappings"]
        assert mapping["dynamic"] is False
        assert set(mapping["properties"]) == set(fields) | set(PROJECTION_FIELDS)


def test_indices_are_versioned_behind_aliases(osmem_clone: Any) -> None:
    s = _es_store(osmem_clone.url, "brandradar", plain_json=True)
    aliases = s.es.indices.get_alias(name="brandradar-mentions")
    assert list(aliases) == ["brandradar-mentions-v1-000001"]
    assert aliases["brandradar-mentions-v1-000001"]["aliases"]["brandradar-mentions"]["is_write_index"]
    s.close()


def test_reindexing_a_document_replaces_its_mentions(store: Store, rows: Any) -> None:
    docs, mentions = rows
    doc = next(d for d in docs if sum(m["doc_id"] == d["doc_id"] for m in mentions) == 1)
    (old,) = [m for m in mentions if m["doc_id"] == doc["doc_id"]]
    edited = {**old, "mention_id": old["mention_id"] + "x", "start": old["start"] + 1}
    before = store.counts()
    assert store.upsert([doc], [edited]) == 0
    assert store.counts() == before  # the old mention is gone, not kept beside the new one


WEIGHTS = {"demo_rad_kurier": 5.0, "demo_pedal_blog": 2.0, "demo_bike_reviews": 1.5}


def test_filters_reach_sentiment_time_authors_parity(store: Store, reference: DuckDBStore,
                                                     rows: Any) -> None:
    _, mentions = rows
    german_forum = Filters(source_kinds=("forum",), languages=("de",))
    got = share_of_voice(store, BRANDS, filters=german_forum)
    assert got == share_of_voice(reference, BRANDS, filters=german_forum)
    expected = {b.name: len({m["doc_id"] for m in mentions if m["brand"] == b.name
                             and m["source_kind"] == "forum" and m["language"] == "de"})
                for b in BRANDS}
    assert {r["brand"]: r["mentions"] for r in got} == expected
    negative = Filters(sentiments=("negative",), sources=("demo_velo_forum", "demo_rad_kurier"))
    assert share_of_voice(store, BRANDS, filters=negative) == \
        share_of_voice(reference, BRANDS, filters=negative)
    reach = share_of_voice(store, BRANDS, weights=WEIGHTS)
    assert reach == share_of_voice(reference, BRANDS, weights=WEIGHTS)
    assert all(r["unit"] == "reach" and r["ci_low"] <= r["share"] <= r["ci_high"] for r in reach)
    assert abs(sum(r["share"] for r in reach) - 1) < 1e-3
    assert sentiment_over_time(store, BRANDS) == sentiment_over_time(reference, BRANDS)
    a1, a2 = author_segments(store), author_segments(reference)
    assert a1 == a2
    assert "influencer" in {a["segment"] for a in a1} and len({a["segment"] for a in a1}) >= 3
    for brand in ("Voltaro", "Pedalix"):
        assert trending_topics(store, TrendRules(), NOW, brand) == \
            trending_topics(reference, TrendRules(), NOW, brand)


def test_time_range_parity(store: Store, reference: DuckDBStore, rows: Any) -> None:
    first, last = store.time_range()
    assert (first, last) == reference.time_range()
    published = [m["published"] for m in rows[1] if m["published"] is not None]
    assert first == min(published) and last == max(published)


def test_rollup_answers_equal_the_mention_rows(rows: Any, tmp_path: Path) -> None:
    s = DuckDBStore(tmp_path / "r.duckdb")
    s.upsert(*rows)
    s.build_rollup()
    day = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    windows = [(None, None), (day - timedelta(days=30), day), (day - timedelta(days=2), None)]
    filters = [Filters(), Filters(source_kinds=("forum",), languages=("de", "ru")),
               Filters(sentiments=("negative",)), Filters(sources=("demo_rad_kurier",))]

    def answers() -> list[Any]:
        out: list[Any] = []
        for since, until in windows:
            out += [s.hourly(since, until), s.author_stats(since, until)]
            for f in filters:
                out += [s.brand_counts(since, until, False, f), s.brand_counts(since, until, True, f),
                        s.brand_source_counts(since, until, f),
                        s.daily(since, until, f), s.sentiment(since, until, f),
                        share_of_voice(s, BRANDS, since, until, filters=f, weights=WEIGHTS)]
        out.append(detect_alerts(s, BRANDS, AlertRules(), NOW))
        return out

    fast = answers()
    s.use_rollup = False
    assert answers() == fast
    assert s._rollup(None, None, Filters()) is None  # switched off: the rows answer
    s.use_rollup = True
    assert s._rollup(NOW, None, Filters()) is None  # not on a whole hour
    assert s._rollup(None, None, Filters(sentiments=("positive", "negative"))) is None
    s.upsert(rows[0][:1], [])
    assert s._rollup(None, None, Filters()) is None  # stale after a write until rebuilt
    s.close()


def test_sources_health_and_trends_are_stored(store: Store, demo_run: dict[str, Any]) -> None:
    from brandradar.health import source_health
    from brandradar.index.store import health_rows, trend_rows

    rows = health_rows(source_health(demo_run["workdir"]), NOW)
    assert len(rows) == 4 and all(r["complete"] for r in rows)
    trends = trend_rows(trending_topics(store, TrendRules(), NOW)
                        + trending_topics(store, TrendRules(), NOW, "Voltaro"), NOW)
    assert any(t["brand"] == "Voltaro" for t in trends) and any(t["brand"] is None for t in trends)
    for _ in range(2):  # replaced, not added
        store.save_health(rows)
        store.save_trends(trends)
    if isinstance(store, DuckDBStore):
        (n,) = store.con.execute("SELECT count(*) FROM health WHERE complete").fetchone() or (0,)
        (t,) = store.con.execute("SELECT count(*) FROM trends").fetchone() or (0,)
    else:
        es: Elasticsearch = store.es  # type: ignore[attr-defined]
        alias = store.alias  # type: ignore[attr-defined]
        n = es.count(index=alias("health"), query={"term": {"complete": True}})["count"]
        t = es.count(index=alias("trends"))["count"]
    assert n == 4 and t == len(trends)


def test_trends_for_any_period_count_only_what_was_published_in_it(store: Store,
                                                                   rows: Any) -> None:
    dates = sorted({d["doc_id"]: d["published"] for d in rows[0]
                    if "suncharge" in d["key_phrases"] and d["published"] is not None}.values())
    first, last = dates[0], dates[-1]
    # a period that ends before the wave has no trace of it
    assert not any(t["phrase"] == "suncharge" for t in trending_topics(store, TrendRules(), first))
    # a picked period is one window; nothing published after its end counts
    mid = first + (last - first) / 2
    hours = int((mid - first).total_seconds() // 3600) + 1
    trends = trending_topics(store, TrendRules(), mid, windows_hours=[hours])
    wave = [t for t in trends if t["phrase"] == "suncharge"]
    assert all(t["window_hours"] == hours for t in trends)
    assert len(wave) == 1 and wave[0]["documents"] == sum(d < mid for d in dates)
    assert wave[0]["documents"] < len(dates)
