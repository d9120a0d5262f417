"""Runs cost what changed: unchanged days are not parsed or enriched again; a brands change or a
re-processing run redoes them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brandradar.config import Brand
from brandradar.stages import crawl_stage, enrich_stage, extract_stage, load_context
from tests.webserver import feed_project, one_article_site, serve

pytestmark = pytest.mark.slow

TEXT = "Mit Voltaro bin ich sehr zufrieden, der Motor ist leise und kräftig. " * 6


def test_unchanged_partitions_are_skipped(tmp_path: Path) -> None:
    page = ("<html><head><meta charset='utf-8'>"
            "<meta property='article:published_time' content='2026-11-20T10:00:00Z'></head>"
            f"<body><article><h1>T</h1><p>{TEXT}</p></article></body></html>").encode()
    with serve(one_article_site(page)) as (base, _):
        project = feed_project(tmp_path / "p.yaml", base, "[{name: Voltaro}]", "s")
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


def _files(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns
            for stage in ("enriched", "mentions") for p in (root / stage).rglob("*.parquet")}


@pytest.mark.long
def test_new_model_version_beside_the_active_rows_then_switch(
        demo_run: dict[str, Any], tmp_path: Path) -> None:
    import shutil

    from brandradar.parquet import partitions, read_rows
    from tests.conftest import run_cli

    work = tmp_path / "w"
    shutil.copytree(demo_run["workdir"], work, ignore=shutil.ignore_patterns("raw", "*.warc.gz"))
    before = _files(work)
    sov_before = run_cli("sov", "--workdir", str(work), "--json").stdout
    proc = run_cli("reprocess", "--workdir", str(work), "--sentiment", "lexicon", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    diff = json.loads(proc.stdout)
    vid = diff["version"]
    assert _files(work) == before  # nothing active was touched
    new_rows = read_rows(partitions(work / "versions" / vid, "mentions"))
    assert new_rows and all("sentiment-3:lexicons" in r["versions"] for r in new_rows)
    assert diff["new_mentions"] == diff["active_mentions"] == len(new_rows)
    assert sum(diff["label_changes"].values()) > 0  # the lexicons disagree with the model
    old_active = read_rows(partitions(work, "mentions"))
    assert all("e5clf-" in r["versions"] for r in old_active)

    proc = run_cli("reprocess", "--workdir", str(work), "--switch", vid)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert all("lexicons" in r["versions"] for r in read_rows(partitions(work, "mentions")))
    kept = [p for p in (work / "versions").iterdir() if p.name != vid]
    assert len(kept) == 1 and not (work / "versions" / vid).exists()
    assert run_cli("sov", "--workdir", str(work), "--json").stdout == sov_before  # same matches
    import duckdb

    con = duckdb.connect(str(work / "brandradar.duckdb"), read_only=True)
    (indexed,) = con.execute("SELECT count(*) FILTER (WHERE versions NOT LIKE '%lexicons%') "
                             "FROM mentions").fetchone() or (None,)
    con.close()
    assert indexed == 0  # the store was re-indexed from the switched rows
    proc = run_cli("reprocess", "--workdir", str(work), "--switch", kept[0].name)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert all("e5clf-" in r["versions"] for r in read_rows(partitions(work, "mentions")))
    assert (work / "versions" / vid / "version.json").exists()  # switch back and forth
    assert run_cli("reprocess", "--workdir", str(work), "--switch", "nope").returncode == 2
