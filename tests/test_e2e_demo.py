"""End to end: the demo web crawled, analysed and reported; numbers checked against ground truth."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import DEMO_ENV, DEMO_HOST, DEMO_PORT_BASE, run_cli

pytestmark = pytest.mark.slow


def _json(*args: str) -> Any:
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_demo_leaves_all_stage_outputs(demo_run: dict[str, Any]) -> None:
    wd: Path = demo_run["workdir"]
    assert (wd / "brandradar.duckdb").exists()
    assert list((wd / "raw").glob("source=*/day=*/crawl-*.warc.gz"))
    assert list((wd / "raw").glob("source=*/day=*/fetchlog-*.jsonl"))
    for stage in ("documents", "enriched", "mentions"):
        assert len(list((wd / stage).glob("source=*/day=*/*.parquet"))) >= 4, stage
    html = (wd / "report.html").read_text()
    assert "Share of voice" in html and "Voltaro" in html
    assert (wd / "report.csv").read_text().startswith("brand,role,mentions,share")


def test_the_demo_crawls_the_address_it_serves(demo_run: dict[str, Any]) -> None:
    # The fixture moved the demo web to 127.0.0.3:8881…8884; the source files name 8781…8784.
    con = duckdb.connect(str(demo_run["workdir"] / "brandradar.duckdb"), read_only=True)
    domains = {d for (d,) in con.execute("SELECT DISTINCT domain FROM documents").fetchall()}
    assert domains == {f"{DEMO_HOST}:{DEMO_PORT_BASE + i}" for i in range(4)}
    assert all(t["url"].startswith(f"http://{DEMO_HOST}:88") for t in demo_run["truth"])


def test_every_planted_document_is_indexed(demo_run: dict[str, Any]) -> None:
    con = duckdb.connect(str(demo_run["workdir"] / "brandradar.duckdb"), read_only=True)
    by_source = dict(con.execute("SELECT source, count(*) FROM documents GROUP BY 1").fetchall())
    truth = Counter(t["site"] for t in demo_run["truth"])
    assert by_source["demo_rad_kurier"] == truth["news"]
    assert by_source["demo_pedal_blog"] == truth["blog"]
    assert by_source["demo_velo_forum"] == truth["forum"]
    # Reviews exist only in the browser-rendered DOM: they are here because the browser ran.
    assert by_source["demo_bike_reviews"] == truth["reviews"] > 300


def test_share_of_voice_matches_ground_truth(demo_run: dict[str, Any]) -> None:
    sov = _json("sov", "--workdir", str(demo_run["workdir"]), "--json")
    truth = Counter(b for t in demo_run["truth"] for b in t["brands"])
    total = sum(truth.values())
    assert {r["brand"] for r in sov} == set(truth)
    for row in sov:
        assert row["share"] == pytest.approx(truth[row["brand"]] / total, abs=0.01), row
        assert row["ci_low"] <= row["share"] <= row["ci_high"]


def test_per_story_share_counts_syndicated_copies_once(demo_run: dict[str, Any]) -> None:
    raw = {r["brand"]: r["mentions"] for r in
           _json("sov", "--workdir", str(demo_run["workdir"]), "--json")}
    story = {r["brand"]: r["mentions"] for r in
             _json("sov", "--workdir", str(demo_run["workdir"]), "--json", "--per-story")}
    stories: dict[str, set[str]] = {}
    for t in demo_run["truth"]:
        for b in t["brands"]:
            stories.setdefault(b, set()).add(t["story"])
    for brand, keys in stories.items():
        assert story[brand] < raw[brand]
        assert story[brand] == pytest.approx(len(keys), rel=0.03), brand


def test_sentiment_per_mention_matches_ground_truth(demo_run: dict[str, Any]) -> None:
    con = duckdb.connect(str(demo_run["workdir"] / "brandradar.duckdb"), read_only=True)
    rows = con.execute("SELECT d.url, d.title, m.brand, m.sentiment, d.source_kind, "
                       "d.doc_id FROM mentions m JOIN documents d USING (doc_id)").fetchall()
    got = Counter((brand, sentiment) for _, _, brand, sentiment, _, _ in rows)
    want = Counter((b, s) for t in demo_run["truth"] for b, s in t["brands"].items())
    agree = sum(min(got[k], want[k]) for k in want)
    assert agree / sum(want.values()) >= 0.85


def test_planted_complaint_wave_alerts_only_its_brand(demo_run: dict[str, Any]) -> None:
    alerts = _json("alerts", "--workdir", str(demo_run["workdir"]), "--json")
    wave = [t for t in demo_run["truth"] if t["wave"]]
    wave_start = min(t["published"] for t in wave)
    assert [a["brand"] for a in alerts] == ["Voltaro"]
    alert = alerts[0]
    assert alert["kind"] == "crisis"
    assert 1 <= alert["severity"] <= 10
    start = datetime.fromisoformat(alert["start"])
    planted = datetime.fromisoformat(wave_start)
    assert planted - timedelta(hours=1) <= start <= planted + timedelta(hours=2)
    explanation = alert["explanation"]
    assert explanation["mentions"] >= 0.8 * len(wave)
    assert explanation["negative_share_during"] > explanation["negative_share_before"] + 0.15
    assert explanation["top_documents"] and explanation["top_phrases"] and explanation["sources"]


def test_planted_topic_is_emerging(demo_run: dict[str, Any]) -> None:
    trends = _json("trends", "--workdir", str(demo_run["workdir"]), "--json")
    topic_docs = [t for t in demo_run["truth"] if t["topic"]]
    hits = [t for t in trends if t["phrase"] == "suncharge" and t["window_hours"] == 168]
    assert hits and hits[0]["state"] == "emerging"
    assert hits[0]["documents"] == len(topic_docs)
    assert hits[0]["domains"] >= 3
    # the same trends for a picked past period: a week that ended before the wave has none
    wave = min(datetime.fromisoformat(t["published"]) for t in topic_docs)
    until = (wave - timedelta(days=2)).date().isoformat()
    since = (wave - timedelta(days=8)).date().isoformat()
    before = _json("trends", "--workdir", str(demo_run["workdir"]), "--json",
                   "--since", since, "--until", until)
    assert not any(t["phrase"] == "suncharge" for t in before)
    assert all(t["window_hours"] == 7 * 24 for t in before)


@pytest.mark.long  # a second demo run of minutes (make test-long)
def test_rerun_creates_no_duplicates(demo_run: dict[str, Any]) -> None:
    wd = demo_run["workdir"]
    db = wd / "brandradar.duckdb"

    def counts() -> tuple[int, int, int]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            row = con.execute("SELECT (SELECT count(*) FROM documents), "
                              "(SELECT count(DISTINCT url || coalesce(doc_id, '')) FROM documents), "
                              "(SELECT count(*) FROM mentions)").fetchone()
            assert row is not None
            return int(row[0]), int(row[1]), int(row[2])
        finally:
            con.close()

    before = counts()
    proc = run_cli("demo", "--once", "--workdir", str(wd), env=DEMO_ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert counts() == before
    assert len(list((wd / "raw").glob("source=demo_pedal_blog/day=*/crawl-*.warc.gz"))) >= 1
