"""Documents without a date are in no period: time-bounded views leave them out and say how
many (sov, the report, the dashboard's counts)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from brandradar.index.duckdb.store import DuckDBStore
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


def test_time_bounded_views_say_how_many_undated_mentions_they_left_out(
        demo_run: dict[str, Any], tmp_path: Path) -> None:
    work = tmp_path / "w"
    shutil.copytree(demo_run["workdir"], work, ignore=shutil.ignore_patterns("raw", "*.warc.gz"))
    store = DuckDBStore(work / "brandradar.duckdb")
    try:
        # three documents lose their date, as posts with an unreadable date do
        ids = [r[0] for r in store.con.execute(
            "SELECT DISTINCT doc_id FROM mentions ORDER BY doc_id LIMIT 3").fetchall()]
        for table in ("documents", "mentions"):
            store.con.execute(f"UPDATE {table} SET published = NULL WHERE doc_id IN (?, ?, ?)", ids)
        undated = store.counts()["undated_mentions"]
    finally:
        store.close()
    assert undated >= 3
    proc = run_cli("sov", "--workdir", str(work), "--since", "2020-01-01")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"{undated} mentions in documents without a date are in no period" in proc.stdout
    # without a period nothing is left out, so nothing is said
    assert "without a date" not in run_cli("sov", "--workdir", str(work)).stdout
    proc = run_cli("sov", "--workdir", str(work), "--since", "2020-01-01", "--json")
    assert "without a date" in proc.stderr and proc.stdout.lstrip().startswith("[")
    out = tmp_path / "r.html"
    assert run_cli("report", "--workdir", str(work), "--out", str(out)).returncode == 0
    assert f"{undated} mentions in documents without a date" in out.read_text(encoding="utf-8")
