"""Corrupted files in a real work directory (the demo run's, copied): each is named in one line
with what to do, never a traceback or a silent skip; `brandradar doctor --repair` quarantines
them and the next run rebuilds what it can."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from brandradar.errors import DataFileError
from brandradar.parquet import partitions, row_count
from brandradar.stages import context_from_workdir, crawl_stage
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


def test_corrupt_files_are_named_quarantined_and_rebuilt(demo_run: dict[str, Any],
                                                         tmp_path: Path) -> None:
    work = tmp_path / "w"
    shutil.copytree(demo_run["workdir"], work)
    enriched = partitions(work, "enriched")[0]
    lost_docs = row_count(enriched)
    total = sum(row_count(p) for p in partitions(work, "enriched"))
    state = work / "state" / "team.sqlite"
    # What a killed copy or a full disk leaves: cut files, and garbage where JSON was.
    state.write_bytes(b"SQLite format 3\0" + b"\x13" * 4000)
    enriched.write_bytes(enriched.read_bytes()[:300])
    record = next((work / "runs").glob("*/summary.json"))
    record.write_text('{"run_id": "x", "index": ')
    (work / "brandradar.duckdb").write_bytes(b"\0" * 5000)

    proc = run_cli("doctor", "--workdir", str(work))
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1 and len(lines) == 4, proc.stdout
    assert {line.split(":")[0] for line in lines} == {
        str(state), str(enriched), str(record), str(work / "brandradar.duckdb")}
    assert all(" — " in line for line in lines)  # each says what happens to it

    # A stage that meets a broken file says so in one line, and so does the crawl.
    proc = run_cli("index", "--workdir", str(work))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "brandradar doctor" in proc.stderr
    with pytest.raises(DataFileError, match=r"team\.sqlite: not reachable"):
        crawl_stage(context_from_workdir(work), "r-doctor")

    proc = run_cli("doctor", "--workdir", str(work), "--repair")
    assert proc.returncode == 0 and "moved 4 file(s)" in proc.stdout
    assert len(list((work / "quarantine").rglob("*"))) >= 4
    assert run_cli("doctor", "--workdir", str(work)).returncode == 0
    # The store is built again from the partitions that read: everything but the lost one,
    # which the next run enriches again from its documents.
    proc = run_cli("index", "--workdir", str(work))
    assert proc.returncode == 0, proc.stderr
    assert f'"documents": {total - lost_docs}' in proc.stdout
