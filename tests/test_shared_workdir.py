"""The pipeline's stages on three machines that share nothing but an S3 work directory (a moto
server on loopback) and the team state in PostgreSQL: two workers crawl, extract and enrich
two sources each in working copies of their own, a third stories, indexes and analyses, and a
fresh working copy indexes again without re-reading anything."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import fsspec
import pytest

from brandradar.demo.server import DemoServer
from brandradar.forget import forget
from brandradar.stages import (
    Context,
    analyse_stage,
    crawl_stage,
    enrich_stage,
    extract_stage,
    index_stage,
    load_context,
    new_run_id,
    stories_stage,
)
from tests.airflow_celery import store_documents
from tests.conftest import run_cli
from tests.s3 import s3_server

pytestmark = pytest.mark.deployment
URL = "s3://brandradar-team/demo"
HOST = "127.0.0.5"


def _machine(workdir: Path, server: DemoServer, state_url: str) -> Context:
    from importlib import resources

    config = Path(str(resources.files("brandradar.demo").joinpath("project.yaml")))
    ctx = load_context(config, workdir, state_url=state_url, shared_workdir=URL,
                       allow_private_hosts=[HOST])
    ctx.sources = server.rebase(ctx.sources)
    return ctx


def test_workers_share_an_s3_work_directory(tmp_path: Path, pg_url: str) -> None:
    with s3_server(), DemoServer(HOST, 8961) as server:
        workers = [_machine(tmp_path / f"worker-{n}", server, pg_url) for n in (1, 2)]
        names = [s.name for s in workers[0].sources]
        mine = {0: names[: len(names) // 2], 1: names[len(names) // 2:]}
        run_id = new_run_id()
        for n, ctx in enumerate(workers):
            crawl_stage(ctx, run_id, mine[n])
            for name in mine[n]:
                extract_stage(ctx, name, run_id)
                enrich_stage(ctx, name)
        # Each worker holds only its own sources' archive.
        for n, ctx in enumerate(workers):
            held = {p.name.removeprefix("source=") for p in (ctx.workdir / "raw").iterdir()}
            assert held == set(mine[n])

        central = _machine(tmp_path / "central", server, pg_url)
        stories_stage(central)
        counts = index_stage(central)
        analyse_stage(central)
        expected = len(server.web.truth)
        assert store_documents(central.workdir) == (expected, expected)
        assert counts["written"] > 0
        assert not (central.workdir / "raw").exists()  # the index needs no archive

        fs, root = fsspec.core.url_to_fs(URL, skip_instance_cache=True)
        shared_raw = {p.rsplit("/", 1)[1] for p in fs.glob(f"{root}/raw/source=*")}
        assert shared_raw == {f"source={n}" for n in names}
        assert fs.exists(f"{root}/brandradar.duckdb")

        # An ephemeral machine: a fresh working copy takes the published store and the
        # partitions with their shared times, and finds nothing to index again.
        fresh = _machine(tmp_path / "fresh", server, pg_url)
        again = index_stage(fresh)
        assert again["written"] == 0 and again["removed"] == 0
        assert store_documents(fresh.workdir) == (expected, expected)

        # An erasure on yet another machine reaches the shared archive and the shared store.
        article = next(t for t in server.web.truth if t.site == "news")
        url = server.base_url("news") + article.path
        forget(_machine(tmp_path / "privacy", server, pg_url), url=url)
        fs.invalidate_cache()
        archive = b"".join(gzip.decompress(fs.cat_file(p))
                           for p in fs.find(f"{root}/raw") if p.endswith(".warc.gz"))
        assert b"WARC-Target-URI: http" in archive
        assert f"WARC-Target-URI: {url}\r".encode() not in archive
        after = _machine(tmp_path / "after", server, pg_url)
        index_stage(after)
        assert store_documents(after.workdir) == (expected - 1, expected - 1)

        # A reader (the dashboard's machine) needs nothing but the settings.
        reader = tmp_path / "reader"
        proc = run_cli("sov", "--workdir", str(reader), "--json",
                       env={"BRANDRADAR_STATE_URL": pg_url, "BRANDRADAR_SHARED_WORKDIR": URL})
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert {row["brand"] for row in json.loads(proc.stdout)} == {
            b.name for b in central.brands}
