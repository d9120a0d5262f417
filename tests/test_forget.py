"""`brandradar forget`: a person's posts and name leave the archive, the documents, the store
and every other file; other people's posts stay; an audit record names no one."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_cli
from tests.phpbb_board import every_byte, phpbb_board

pytestmark = pytest.mark.slow


def _documents(workdir: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(workdir / "brandradar.duckdb"), read_only=True)
    try:
        return con.execute("SELECT doc_id, text FROM documents ORDER BY doc_id").fetchall()
    finally:
        con.close()


def _nothing_left_but_the_others(workdir: Path) -> None:
    after = _documents(workdir)
    everything = every_byte(workdir).decode("utf-8", "replace")
    assert len(after) == 4
    for trace in ("radler_ms", "Seit dem Winter lädt der Akku", "Der Händler sagt, das sei normal",
                  "Voltera City 2017, 4.200 km"):
        assert trace not in everything, trace
    # the others' posts are all still there, in the archive and the store
    assert "Update gemacht, jetzt wieder 100" in everything
    assert sum("Firmware-Update" in text for _, text in after) == 2


@pytest.mark.long
def test_forget_an_author_removes_every_trace_and_keeps_the_others(tmp_path: Path) -> None:
    workdir = tmp_path / "w"
    with phpbb_board(tmp_path) as (config, _):
        run = run_cli("run", "--config", str(config), "--workdir", str(workdir))
        assert run.returncode == 0, run.stderr[-2000:]
        before = _documents(workdir)
        # radler_ms wrote two posts (one per thread) and is quoted in Moderator_Kai's replies
        assert len(before) == 6 and "radler_ms" in every_byte(workdir).decode("utf-8", "replace")

        proc = run_cli("forget", "--author", "radler_ms", "--workdir", str(workdir))
        assert proc.returncode == 0, proc.stderr[-2000:]
        audit = json.loads(proc.stdout)
        assert audit["posts_removed"] == 2 and audit["pages_redacted"] == 2
        _nothing_left_but_the_others(workdir)

        # The board still shows the posts: the next crawl fetches both threads again, and the
        # archive cuts them out before anything is written.
        run = run_cli("run", "--config", str(config), "--workdir", str(workdir))
        assert run.returncode == 0, run.stderr[-2000:]
    assert len(list((workdir / "raw").rglob("*.warc.gz"))) > 1  # the threads were archived anew
    _nothing_left_but_the_others(workdir)
    (line,) = (workdir / "state" / "erasures.jsonl").read_text().splitlines()
    assert "radler" not in line and json.loads(line)["kind"] == "author"
