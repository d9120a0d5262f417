"""Runs cost what changed: unchanged days are not parsed or enriched again; a brands change or a
re-processing run redoes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from brandradar.config import Brand
from brandradar.stages import crawl_stage, enrich_stage, extract_stage, load_context
from tests.webserver import serve

pytestmark = pytest.mark.slow

TEXT = "Mit Voltaro bin ich sehr zufrieden, der Motor ist leise und kräftig. " * 6


def test_unchanged_partitions_are_skipped(tmp_path: Path) -> None:
    page = ("<html><head><meta charset='utf-8'>"
            "<meta property='article:published_time' content='2026-11-20T10:00:00Z'></head>"
            f"<body><article><h1>T</h1><p>{TEXT}</p></article></body></html>").encode()
    routes = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
              "/feed.xml": (200, {"Content-Type": "application/rss+xml"},
                            b"<rss version='2.0'><channel><title>t</title><item><title>a</title>"
                            b"<link>/a.html</link></item></channel></rss>"),
              "/a.html": (200, {}, page)}
    with serve(routes) as (base, _):
        project = tmp_path / "p.yaml"
        project.write_text("brands: [{name: Voltaro}]\n"
                           f"sources:\n  - {{name: s, kind: news, feeds: ['{base}/feed.xml']}}\n"
                           "settings: {allow_private_hosts: ['127.0.0.1'], autothrottle: false}\n")
        ctx = load_context(project, tmp_path / "w")
        crawl_stage(ctx, "r1", ["s"])
    docs = next((ctx.workdir / "documents").rglob("documents.parquet"), None)
    assert docs is None
    assert extract_stage(ctx, "s", "r1")["documents"] == 1
    first = enrich_stage(ctx, "s")
    assert first["mentions"] == 6 and first["partitions_skipped"] == 0
    docs = next((ctx.workdir / "documents").rglob("documents.parquet"))
    stamp = docs.stat().st_mtime_ns
    second = extract_stage(ctx, "s", "r2")
    assert second["documents"] == 1  # the skipped day still reports its newest document
    assert second["newest_document"] == "2026-11-20T10:00:00+00:00"
    assert docs.stat().st_mtime_ns == stamp  # not parsed again
    assert enrich_stage(ctx, "s")["partitions_skipped"] == 1
    ctx.project.brands.append(Brand(name="Motor"))  # a changed brand list re-enriches
    again = enrich_stage(ctx, "s")
    assert again["partitions_skipped"] == 0 and again["mentions"] == 12
    extract_stage(ctx, "s", "r3", force=True)
    assert docs.stat().st_mtime_ns > stamp
