"""The metrics store (DuckDB, the one metrics engine) on the demo web's real enriched rows:
share of voice, series, alerts, trends, search and filters against what the rows say, the hourly
rollup against the raw rows, and the Elasticsearch templates against the data model."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from brandradar.config import AlertRules, TrendRules, load_brands
from brandradar.index.analytics import (
    author_segments,
    detect_alerts,
    sentiment_over_time,
    share_of_voice,
    trending_topics,
)
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.index.elasticsearch.store import PROJECTION_FIELDS, load_template
from brandradar.index.store import Filters, Store
from brandradar.model import ENRICHED_FIELDS, MENTION_FIELDS
from brandradar.parquet import partitions, read_rows

pytestmark = pytest.mark.slow
BRANDS = load_brands(Path(__file__).resolve().parents[2] / "brandradar" / "demo" / "brands.yaml")


@pytest.fixture(scope="module")
def rows(demo_run: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    wd = demo_run["workdir"]
    return read_rows(partitions(wd, "enriched")), read_rows(partitions(wd, "mentions"))


@pytest.fixture
def store(tmp_path: Path, rows: Any) -> Iterator[DuckDBStore]:
    s = DuckDBStore(tmp_path / "t.duckdb")
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
    store.upsert(docs[:100], mentions[:100])
    assert store.counts() == expected


def _in(m: dict[str, Any], since: datetime | None, until: datetime | None) -> bool:
    when = m["published"]
    return (since is None or (when is not None and when >= since)) and \
        (until is None or (when is not None and when < until))


@pytest.mark.parametrize("per_story", [False, True])
def test_share_of_voice_counts_what_the_rows_say(store: Store, rows: Any, per_story: bool) -> None:
    unit = "story_id" if per_story else "doc_id"
    for since, until in ((NOW - timedelta(days=30), NOW), (None, None)):
        got = {r["brand"]: r["mentions"]
               for r in share_of_voice(store, BRANDS, since, until, per_story)}
        want = {b.name: len({m[unit] for m in rows[1] if m["brand"] == b.name
                             and _in(m, since, until)}) for b in BRANDS}
        assert got == want and sum(want.values()) > 0


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Asia/Kolkata",
                                  "Australia/Lord_Howe"])
def test_days_are_calendar_days_of_the_display_zone(store: DuckDBStore, rows: Any,
                                                    zone: str) -> None:
    """A mention at 23:30 UTC belongs to the next day in Berlin and to the same day in New York;
    India's +5:30 (and Lord Howe's +10:30 half of the year) cannot be summed from UTC hours
    and is counted from the mention rows."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    want: dict[tuple[str, Any], set[str]] = {}
    for m in rows[1]:
        if m["published"] is not None:
            want.setdefault((m["brand"], m["published"].astimezone(tz).date()), set()).add(
                m["doc_id"])
    for rollup in (True, False):
        store.build_rollup()
        store.use_rollup = rollup
        got = {(r.brand, r.day): r.mentions for r in store.daily(None, None, zone=zone)}
        assert got == {k: len(v) for k, v in want.items()}
    utc = {(r.brand, r.day): r.mentions for r in store.daily(None, None)}
    assert utc != got  # the demo web has mentions near midnight: the zone moves them


def test_series_and_sentiment_count_what_the_rows_say(store: Store, rows: Any) -> None:
    since = NOW - timedelta(days=60)
    daily = store.daily(since, NOW)
    assert sum(r.mentions for r in daily) == len(
        {(m["brand"], m["doc_id"]) for m in rows[1] if _in(m, since, NOW)})
    assert sum(r.mentions for r in store.hourly(since, NOW)) == sum(r.mentions for r in daily)
    for r in store.sentiment(None, None):
        for label in ("positive", "negative", "neutral", "unscored"):
            assert getattr(r, label) == sum(m["brand"] == r.brand and m["sentiment"] == label
                                            for m in rows[1])


def test_alerts_and_trends(store: Store) -> None:
    alerts = detect_alerts(store, BRANDS, AlertRules(), NOW)
    assert [x["brand"] for x in alerts] == ["Voltaro"]
    assert alerts[0]["explanation"]["top_documents"]
    trends = trending_topics(store, TrendRules(), NOW)
    assert any(t.phrase == "suncharge" for t in trends)
    store.save_alerts(alerts)
    assert [x["alert_id"] for x in store.alerts()] == [x["alert_id"] for x in alerts]


def _search(store: Store, query: str | None, limit: int, brand: str | None = None) -> Any:
    filters = Filters(brands=(brand,)) if brand else Filters()
    return store.explore(query, None, None, filters, "relevance" if query else "newest", 0,
                         limit, "none").rows


@pytest.mark.parametrize("filters", [Filters(), Filters(sentiments=("negative",)),
                                     Filters(languages=("de",), brands=("Voltaro",))])
def test_explorer_folds_each_story_with_its_copies_in_the_view(store: DuckDBStore, rows: Any,
                                                               filters: Filters) -> None:
    """A folded row stands for a brand's story and says how many of its documents the view
    holds, counted from the rollup and from the mention rows alike."""
    since = NOW.replace(minute=0, second=0, microsecond=0) - timedelta(days=60)
    want: dict[tuple[str, str], set[str]] = {}
    for m in rows[1]:
        if _in(m, since, None) and all(m[field] in allowed for field, allowed in filters.items()):
            want.setdefault((m["brand"], m["story_id"] or m["doc_id"]), set()).add(m["doc_id"])
    assert any(len(docs) > 1 for docs in want.values())  # the demo web syndicates articles
    for rollup in (True, False):
        store.build_rollup()
        store.use_rollup = rollup
        page = store.explore(None, since, None, filters, "newest", 0, len(want) + 10, "story")
        assert page.total == len(want)
        assert {(r.brand, r.story_id or r.doc_id): r.copies for r in page.rows} == {
            key: len(docs) for key, docs in want.items()}


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_explorer_pages_in_time_order_are_the_same_with_the_rollup_bound(
        store: DuckDBStore, rows: Any, sort: str) -> None:
    """In time order the explorer reads only the hours the rollup says hold the page (a top-N
    over ten million mentions sorted them all); every page of every view is the page the
    mention rows give, and in time order."""
    day = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    views = [(None, None, Filters()), (day - timedelta(days=30), day, Filters()),
             (None, None, Filters(source_kinds=("forum", "review"), languages=("de",))),
             (None, None, Filters(sentiments=("negative",), brands=("Voltaro",)))]
    store.build_rollup()
    bounded = 0
    for since, until, filters in views:
        for fold in ("story", "document", "none"):
            for offset in (0, 7, 60):
                store.use_rollup = True
                edge, _ = store._time_edge(None, sort, since, until, filters, offset + 5)
                bounded += edge != "TRUE"
                fast = store.explore(None, since, until, filters, sort, offset, 5, fold)
                store.use_rollup = False
                slow = store.explore(None, since, until, filters, sort, offset, 5, fold)
                assert fast == slow and len(fast.rows) == 5
                times = [r.published for r in fast.rows]
                assert times == sorted(times, reverse=sort == "newest")
    assert bounded >= 30  # the bound was there to hold

def test_full_text_search(store: Store, rows: Any) -> None:
    text = {d["doc_id"]: (d["title"] + " " + d["text"]).lower() for d in rows[0]}
    hits = _search(store, "Akku", 20)
    assert len(hits) == 20
    assert all("akku" in text[h.doc_id] for h in hits)
    voltaro = _search(store, "Akku", 20, "Voltaro")
    assert voltaro and {h.brand for h in voltaro} == {"Voltaro"}
    # Every script is searchable (DuckDB's fts extension kept only a-z: Russian found nothing).
    russian = _search(store, "аккумулятор", 10)
    assert russian and all("аккумулятор" in text[h.doc_id] for h in russian)
    newest = _search(store, None, 5)
    assert len(newest) == 5
    assert [h.published for h in newest] == sorted((h.published for h in newest), reverse=True)


def test_templates_cover_the_data_model() -> None:
    for kind, fields in (("documents", ENRICHED_FIELDS), ("mentions", MENTION_FIELDS)):
        mapping = load_template(kind)["template"]["mappings"]
        assert mapping["dynamic"] is False
        assert set(mapping["properties"]) == set(fields) | set(PROJECTION_FIELDS[kind])


def test_reindexing_a_document_replaces_its_mentions(store: Store, rows: Any) -> None:
    docs, mentions = rows
    doc = next(d for d in docs if sum(m["doc_id"] == d["doc_id"] for m in mentions) == 1)
    (old,) = [m for m in mentions if m["doc_id"] == doc["doc_id"]]
    edited = {**old, "mention_id": old["mention_id"] + "x", "start": old["start"] + 1}
    before = store.counts()
    store.upsert([doc], [edited])
    assert store.counts() == before  # the old mention is gone, not kept beside the new one


WEIGHTS = {"demo_rad_kurier": 5.0, "demo_pedal_blog": 2.0, "demo_bike_reviews": 1.5}


def test_filters_reach_sentiment_time_and_authors(store: Store, rows: Any) -> None:
    _, mentions = rows
    german_forum = Filters(source_kinds=("forum",), languages=("de",))
    got = share_of_voice(store, BRANDS, filters=german_forum)
    expected = {b.name: len({m["doc_id"] for m in mentions if m["brand"] == b.name
                             and m["source_kind"] == "forum" and m["language"] == "de"})
                for b in BRANDS}
    assert {r["brand"]: r["mentions"] for r in got} == expected
    negative = Filters(sentiments=("negative",), sources=("demo_velo_forum", "demo_rad_kurier"))
    expected = {b.name: len({m["doc_id"] for m in mentions if m["brand"] == b.name
                             and m["sentiment"] == "negative" and m["source"] in negative.sources})
                for b in BRANDS}
    got = share_of_voice(store, BRANDS, filters=negative)
    assert {r["brand"]: r["mentions"] for r in got} == expected
    reach = share_of_voice(store, BRANDS, weights=WEIGHTS)
    assert all(r["unit"] == "reach" and r["ci_low"] <= r["share"] <= r["ci_high"] for r in reach)
    assert abs(sum(r["share"] for r in reach) - 1) < 1e-3
    over_time = sentiment_over_time(store, BRANDS)
    assert over_time and {r["brand"] for r in over_time} <= {b.name for b in BRANDS}
    segments = author_segments(store)
    assert "influencer" in {a["segment"] for a in segments}
    assert len({a["segment"] for a in segments}) >= 3
    about = {m["doc_id"] for m in mentions if m["brand"] == "Voltaro"}
    voltaro = trending_topics(store, TrendRules(), NOW, "Voltaro")
    assert voltaro and all(set(t.doc_ids) <= about for t in voltaro)


@pytest.mark.parametrize("brands", [("Voltaro",), ("Voltaro", "Pedalix")])
def test_authors_about_brands_count_their_posts_and_mentions(store: DuckDBStore, rows: Any,
                                                             brands: tuple[str, ...]) -> None:
    """Authors about some brands: per author, the forum and review posts mentioning one of them
    and only those brands' mentions, the same from the rollup (one brand) and the rows."""
    docs, mentions = rows
    about = {m["doc_id"] for m in mentions if m["brand"] in brands}
    posts: dict[tuple[str, str], set[str]] = {}
    said: dict[tuple[str, str], int] = {}
    for d in docs:
        if d["author_pseudonym"] and d["source_kind"] in ("forum", "review") \
                and d["doc_id"] in about:
            posts.setdefault((d["author_pseudonym"], d["source"]), set()).add(d["doc_id"])
    owner = {doc: key for key, ids in posts.items() for doc in ids}
    for m in mentions:
        if m["brand"] in brands and m["doc_id"] in owner:
            said[owner[m["doc_id"]]] = said.get(owner[m["doc_id"]], 0) + 1
    for rollup in (True, False):
        store.build_rollup()
        store.use_rollup = rollup
        got = store.author_stats(None, None, brands)
        assert {(r.author, r.source): r.posts for r in got} == \
            {k: len(v) for k, v in posts.items()}
        assert {(r.author, r.source): r.mentions for r in got} == \
            {k: said.get(k, 0) for k in posts}
    everyone = store.author_stats(None, None)
    assert 0 < sum(r.posts for r in got) < sum(r.posts for r in everyone)


def _ranked_by_hand(stats: list[Any], min_active: int = 3) -> list[tuple[str, Any]]:
    """The segment rules of docs/metrics.md applied to every author in Python."""
    replies = sorted((r.replies for r in stats), reverse=True)
    cut = max(replies[max(0, math.ceil(len(replies) * 0.01) - 1)] if replies else 0, min_active)
    order = {"influencer": 0, "critic": 1, "advocate": 2, "observer": 3, "occasional": 4}
    out = []
    for r in stats:
        scored = r.positive + r.negative + r.neutral
        segment = ("influencer" if r.replies >= cut else "occasional" if scored < min_active
                   else "advocate" if r.positive / scored >= 0.6
                   else "critic" if r.negative / scored >= 0.6 else "observer")
        out.append((segment, r))
    return sorted(out, key=lambda a: (order[a[0]], -a[1].replies, -a[1].mentions, a[1].author,
                                      a[1].source))


@pytest.mark.parametrize("brands", [(), ("Voltaro",), ("Voltaro", "Pedalix")])
def test_author_ranking_in_the_store_equals_the_rules_applied_by_hand(
        store: DuckDBStore, brands: tuple[str, ...]) -> None:
    for rollup in (True, False):
        store.build_rollup()
        store.use_rollup = rollup
        expected = _ranked_by_hand(store.author_stats(None, None, brands))
        assert len({s for s, _ in expected}) >= 3
        whole = store.author_ranking(None, None, brands)
        assert whole.authors == expected
        assert whole.segments == dict(Counter(s for s, _ in expected))
        first = store.author_ranking(None, None, brands, limit=5)
        assert first.authors == expected[:5] and first.segments == whole.segments
        assert store.author_ranking(None, None, brands, limit=0).authors == []
        assert store.author_ranking(None, None, brands, min_active=1).authors == \
            _ranked_by_hand(store.author_stats(None, None, brands), 1)


def test_time_range(store: Store, rows: Any) -> None:
    first, last = store.time_range()
    published = [m["published"] for m in rows[1] if m["published"] is not None]
    assert first == min(published) and last == max(published)


def test_rollup_answers_equal_the_mention_rows(rows: Any, tmp_path: Path) -> None:
    s = DuckDBStore(tmp_path / "r.duckdb")
    s.upsert(*rows)
    s.build_rollup()
    day = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    # Whole calendar months and the hours around them: the author tables answer from both.
    windows = [(None, None), (day - timedelta(days=30), day), (day - timedelta(days=2), None),
               (day - timedelta(days=61), day - timedelta(days=1)),
               (None, day - timedelta(days=5, hours=-7))]
    filters = [Filters(), Filters(source_kinds=("forum",), languages=("de", "ru")),
               Filters(sentiments=("negative",)), Filters(sources=("demo_rad_kurier",))]

    def answers() -> list[Any]:
        out: list[Any] = []
        for since, until in windows:
            out += [s.hourly(since, until), s.author_stats(since, until),
                    s.author_stats(since, until, ("Voltaro",)),
                    s.author_stats(since, until, ("Voltaro", "Pedalix")),
                    s.author_ranking(since, until, ("Voltaro", "Pedalix"), limit=20)]
            for f in filters:
                out += [s.brand_counts(since, until, False, f), s.brand_counts(since, until, True, f),
                        s.brand_source_counts(since, until, f),
                        s.daily(since, until, f), s.daily(since, until, f, "Europe/Berlin"),
                        s.sentiment(since, until, f),
                        share_of_voice(s, BRANDS, since, until, filters=f, weights=WEIGHTS)]
        out.append(detect_alerts(s, BRANDS, AlertRules(), NOW))
        return out

    fast = answers()
    s.use_rollup = False
    assert answers() == fast
    assert s._rollup(None, None, Filters()) is None  # switched off: the rows answer
    s.use_rollup = True
    for table in ("author_posts", "author_month"):  # a rollup from an older version:
        s.con.execute(f"DROP TABLE {table}")
        assert answers() == fast  # the rows answer
        s.build_rollup(partial=True)  # and the next write builds it whole
        assert s.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
    s.use_rollup = True
    assert s._rollup(NOW, None, Filters()) is None  # not on a whole hour
    assert s._rollup(None, None, Filters(sentiments=("positive", "negative"))) is None
    s.upsert(rows[0][:1], [])
    assert s._rollup(None, None, Filters()) is None  # stale after a write until rebuilt
    s.close()


def test_sources_health_and_trends_are_stored(store: DuckDBStore,
                                              demo_run: dict[str, Any]) -> None:
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
    (n,) = store.con.execute("SELECT count(*) FROM health WHERE complete").fetchone() or (0,)
    (t,) = store.con.execute("SELECT count(*) FROM trends").fetchone() or (0,)
    assert n == 4 and t == len(trends)
    # Read back as the dashboard and `brandradar trends` show them: overall and per brand.
    shown = store.trends()
    assert sorted(x.phrase + str(x.brand) for x in shown) == \
        sorted(x["phrase"] + str(x["brand"]) for x in trends)
    assert [x.window_hours for x in shown] == sorted(x.window_hours for x in shown)


def test_trends_for_any_period_count_only_what_was_published_in_it(store: Store,
                                                                   rows: Any) -> None:
    dates = sorted({d["doc_id"]: d["published"] for d in rows[0]
                    if "suncharge" in d["key_phrases"] and d["published"] is not None}.values())
    first, last = dates[0], dates[-1]
    # a period that ends before the wave has no trace of it
    assert not any(t.phrase == "suncharge" for t in trending_topics(store, TrendRules(), first))
    # a picked period is one window; nothing published after its end counts
    mid = first + (last - first) / 2
    hours = int((mid - first).total_seconds() // 3600) + 1
    trends = trending_topics(store, TrendRules(), mid, windows_hours=[hours])
    wave = [t for t in trends if t.phrase == "suncharge"]
    assert all(t.window_hours == hours for t in trends)
    assert len(wave) == 1 and wave[0].documents == sum(d < mid for d in dates)
    assert wave[0].documents < len(dates)
