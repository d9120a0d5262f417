"""Secrets never reach the disk, files are private, and pseudonyms need a key of the project's
own: planted secrets in the environment and the config, a whole run, then a grep of every file
the run wrote (compressed archives decompressed)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from brandradar.settings import DEMO_AUTHOR_KEY
from tests.conftest import run_cli
from tests.phpbb_board import every_byte
from tests.webserver import serve

pytestmark = pytest.mark.slow

TEXT = ("Mit Voltaro bin ich sehr zufrieden, der Service hat schnell geholfen. " * 6)
PLANTED = {
    "BRANDRADAR_AUTHOR_KEY": "PLANTED-author-key-7f2c",
    "BRANDRADAR_ES_API_KEY": "PLANTED-es-api-key-91d0",
    "BRANDRADAR_KIBANA_API_KEY": "PLANTED-kibana-key-33ab",
}
IN_CONFIG = ("PLANTED-webhook-secret-5e1a", "PLANTED-smtp-password-c4d2")


def _routes() -> dict[str, tuple[int, dict[str, str], bytes]]:
    items = "".join(f"<item><title>A{n}</title><link>/a/{n}.html</link><author>Jana Beispiel"
                    f"</author></item>" for n in range(3))
    routes = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
              "/feed.xml": (200, {"Content-Type": "application/rss+xml"},
                            f"<rss version='2.0'><channel><title>t</title><link>/</link>{items}"
                            f"</channel></rss>".encode())}
    for n in range(3):
        routes[f"/a/{n}.html"] = (200, {}, (
            f"<html lang='de'><head><meta charset='utf-8'><title>A{n}</title>"
            f"<meta name='author' content='Jana Beispiel'></head><body><article><h1>Artikel {n}"
            f"</h1><p>{n}: {TEXT}</p></article></body></html>").encode())
    return routes


def _project(tmp_path: Path, base: str) -> Path:
    project = tmp_path / "p.yaml"
    project.write_text(
        "brands: [{name: Voltaro}]\n"
        f"sources:\n  - {{name: news, kind: news, languages: [de], feeds: ['{base}/feed.xml']}}\n"
        f"notify:\n  - {{type: webhook, url: '{base}/hook', secret: {IN_CONFIG[0]}}}\n"
        f"  - {{type: email, smtp_host: 127.0.0.1, smtp_port: 9, sender: a@example.org, "
        f"to: [b@example.org], username: u, password: {IN_CONFIG[1]}}}\n"
        "settings: {allow_private_hosts: ['127.0.0.1'], autothrottle: false, "
        f"kibana_api_key: {IN_CONFIG[1]}-too}}\n")
    return project


def _pseudonyms(workdir: Path) -> set[str]:
    return {p for f in (workdir / "enriched").rglob("*.parquet")
            for p in pq.read_table(f, columns=["author_pseudonym"]).column(0).to_pylist() if p}


def test_secrets_private_files_two_runs_at_once_and_a_key_rotation(tmp_path: Path) -> None:
    """Two runs started at once with planted secrets take turns (own run ids, nothing archived
    twice), write no secret and no file readable by others; a third run with a new key
    re-pseudonymises every author and leaves no old pseudonym in any file."""
    import os
    import subprocess
    import sys

    from warcio.archiveiterator import ArchiveIterator

    workdir = tmp_path / "w"
    with serve(_routes()) as (base, _):
        project = _project(tmp_path, base)
        cmd = [sys.executable, "-m", "brandradar.cli", "run", "--config", str(project),
               "--workdir", str(workdir)]
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, **PLANTED}) for _ in range(2)]
        outs = [p.communicate(timeout=600) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [o[1][-1500:] for o in outs]
        before = _pseudonyms(workdir)
        rotated = run_cli("run", "--config", str(project), "--workdir", str(workdir),
                          "--no-crawl", env={**PLANTED, "BRANDRADAR_AUTHOR_KEY": "second-key-bb22"})
        assert rotated.returncode == 0, rotated.stderr[-2000:]
    assert any("another run is working on this directory; waiting" in err for _, err in outs)
    assert len({json.loads(out)["run_id"] for out, _ in outs}) == 2
    archived = []
    for warc in (workdir / "raw").rglob("*.warc.gz"):
        with warc.open("rb") as fh:
            archived += [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh)
                         if r.rec_type == "response"]
    articles = [u for u in archived if "/a/" in u]
    assert sorted(articles) == sorted(set(articles)) and len(articles) == 3

    written = every_byte(workdir)
    assert b"Voltaro" in written  # the grep sees the archive, documents and store
    for secret in [*PLANTED.values(), *IN_CONFIG]:
        assert secret.encode() not in written, secret
    assert b"PLANTED" not in written
    shared = [str(p) for p in workdir.rglob("*") if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert shared == []
    snapshot = json.loads((workdir / "project.json").read_text())
    assert snapshot["notify"] == [] and "kibana_api_key" not in snapshot["settings"]

    after = _pseudonyms(workdir)
    assert len(before) == len(after) == 1 and before.isdisjoint(after)
    assert before.pop().encode() not in written


def test_a_run_without_a_key_of_its_own_refuses_to_start(tmp_path: Path) -> None:
    with serve(_routes()) as (base, seen):
        project = _project(tmp_path, base)
        for key in (None, DEMO_AUTHOR_KEY):
            proc = run_cli("run", "--config", str(project), "--workdir", str(tmp_path / "w"),
                           env={"BRANDRADAR_AUTHOR_KEY": key})
            lines = proc.stderr.strip().splitlines()
            assert proc.returncode == 2 and len(lines) == 1, proc.stderr
            assert "set BRANDRADAR_AUTHOR_KEY to a long random secret" in lines[0]
    assert seen == [] and not (tmp_path / "w" / "raw").exists()
