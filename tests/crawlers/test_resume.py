"""A crawl killed mid-way (SIGKILL) resumes: no document lost, none duplicated."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from brandradar.crawlers.run import crawl, start_crawl
from brandradar.crawlers.sources import load_source
from brandradar.demo.server import DemoServer
from brandradar.extract import extract_source
from brandradar.parquet import partitions, read_rows
from brandradar.settings import Settings

pytestmark = pytest.mark.slow


def test_killed_crawl_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    source = load_source("demo_rad_kurier")
    settings = Settings(workdir=tmp_path, allow_private_hosts=["127.0.0.1"], autothrottle=False,
                        concurrent_requests_per_domain=4)
    with DemoServer() as server:
        proc, _ = start_crawl([source], settings, "killed")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            warcs = list(tmp_path.glob("raw/source=demo_rad_kurier/day=*/crawl-killed.warc.gz"))
            if warcs and warcs[0].stat().st_size > 60_000:
                break
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
