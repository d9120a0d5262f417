"""A crawl killed mid-way (SIGKILL) resumes: no document lost, none duplicated."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from brandradar.crawlers.run import crawl, start_crawl
from brandradar.crawlers.sources import load_source
from brandradar.demo.server import DemoServer
from brandradar.extract import extract_source
from brandradar.parquet import partitions, read_rows
from brandradar.settings import Settings

# The demo web on its default ports: one module at a time (conftest.py).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo_default_ports")]


def _committed_seen(workdir: Path) -> int:
    path = workdir / "state" / "team.sqlite"
    if not path.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as db:
            (n,) = db.execute("SELECT count(*) FROM crawl_seen").fetchone()
    except sqlite3.OperationalError:  # not created yet
        return 0
    return int(n)


def test_killed_crawl_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    source = load_source("demo_rad_kurier")
    settings = Settings(workdir=tmp_path, allow_private_hosts=["127.0.0.1"], autothrottle=False,
                        concurrent_requests_per_domain=4)
    with DemoServer() as server:
        proc, _ = start_crawl([source], settings, "killed")
        # Kill once the seen state has committed its first batch (every 200 marks or 2 s):
        # killing earlier makes the resumed crawl refetch everything, which loses nothing but
        # would not show that archived pages are skipped.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _committed_seen(tmp_path) == 0:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        partial = extract_source(source, tmp_path)
        truth = {server.base_url("news") + t.path for t in server.web.truth if t.site == "news"}
        assert 0 < partial["documents"] < len(truth)  # killed part-way
        stats = crawl([source], settings, "resumed")["demo_rad_kurier"]
    assert stats.get("pages/skipped/seen", 0) > 0  # what was archived is not fetched again
    extract_source(source, tmp_path)
    docs = read_rows(partitions(tmp_path, "documents", "demo_rad_kurier"))
    assert len(docs) == len({d["doc_id"] for d in docs})
    assert {d["url"] for d in docs} == truth
