"""`brandradar forget`: a person's posts and name leave the archive, the documents, the store
and every other file; other people's posts stay; an audit record names no one."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FIXTURES, run_cli
from tests.webserver import serve

pytestmark = pytest.mark.slow

ENGINES = FIXTURES / "engines"
BOARD = """<!DOCTYPE html><html lang="de"><head><title>Akkus</title></head>
<body id="phpbb"><ul class="topiclist topics">
<li><a href="./viewtopic.php?t=4711" class="topictitle">Akku</a></li>
<li><a href="./viewtopic.php?t=4712" class="topictitle">Service</a></li></ul></body></html>"""


def _every_text(workdir: Path) -> str:
    parts = []
    for path in workdir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            parts.append(gzip.decompress(data) if path.name.endswith(".gz") else data)
    return b"\n".join(parts).decode("utf-8", "replace")


def _documents(workdir: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(workdir / "brandradar.duckdb"), read_only=True)
    try:
        return con.execute("SELECT doc_id, text FROM documents ORDER BY doc_id").fetchall()
    finally:
        con.close()


def test_forget_an_author_removes_every_trace_and_keeps_the_others(tmp_path: Path) -> None:
    thread = (ENGINES / "phpbb.html").read_bytes()
    routes = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
              "/viewforum.php?f=3": (200, {}, BOARD.encode()),
              "/viewtopic.php?t=4711": (200, {}, thread),
              "/viewtopic.php?t=4712": (200, {}, thread.replace(b"p81", b"p91")
                                        .replace(b'data-post-id="81', b'data-post-id="91'))}
    with serve(routes) as (base, _):
        (tmp_path / "sources").mkdir()
        (tmp_path / "sources" / "pedelec_forum.yaml").write_text(
            f"kind: forum\nlanguages: [de]\nengine: phpbb\nlisting:\n"
            f"  start_urls: ['{base}/viewforum.php?f=3']\n  link: 'a.topictitle::attr(href)'\n")
        config = tmp_path / "project.yaml"
        config.write_text("brands: [{name: Voltera}]\nsource_files: [pedelec_forum]\n"
                          "settings: {allow_private_hosts: ['127.0.0.1'], download_delay: 0}\n")
        run = run_cli("run", "--config", str(config), "--workdir", str(tmp_path / "w"))
        assert run.returncode == 0, run.stderr[-2000:]
    workdir = tmp_path / "w"
    before = _documents(workdir)
    # radler_ms wrote two posts (one per thread) and is quoted in Moderator_Kai's replies
    assert len(before) == 6 and "radler_ms" in _every_text(workdir)

    proc = run_cli("forget", "--author", "radler_ms", "--workdir", str(workdir))
    assert proc.returncode == 0, proc.stderr[-2000:]
    audit = json.loads(proc.stdout)
    assert audit["posts_removed"] == 2 and audit["pages_redacted"] == 2

    after = _documents(workdir)
    everything = _every_text(workdir)
    assert len(after) == 4
    for trace in ("radler_ms", "Seit dem Winter lädt der Akku", "Der Händler sagt, das sei normal",
                  "Voltera City 2017, 4.200 km"):
        assert trace not in everything, trace
    # the others' posts are all still there, in the archive and the store
    assert "Update gemacht, jetzt wieder 100" in everything
    assert sum("Firmware-Update" in text for _, text in after) == 2
    (line,) = (workdir / "state" / "erasures.jsonl").read_text().splitlines()
    assert "radler" not in line and json.loads(line)["kind"] == "author"
