"""Source health from real runs: a source that stops delivering, one whose pages turn empty, and
one whose server fails are flagged; alerts then say their data is incomplete."""

from __future__ import annotations

from pathlib import Path

import pytest

from brandradar.health import source_health
from brandradar.stages import crawl_stage, extract_stage, incomplete_sources, load_context
from tests.conftest import run_cli
from tests.webserver import serve

pytestmark = pytest.mark.slow

TEXT = "Die Räder von Voltaro wurden im Test ausführlich geprüft und für gut befunden. " * 8
EMPTY = b"<html><body><nav><a href='/'>Start</a></nav></body></html>"


def _page(n: str) -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>A {n}</title></head><body><article>"
            f"<h1>Artikel {n}</h1><p>{n}: {TEXT}</p></article></body></html>").encode()


def _feed(names: list[str]) -> bytes:
    items = "".join(f"<item><title>{n}</title><link>/a/{n}.html</link></item>" for n in names)
    return f"<rss version='2.0'><channel><title>t</title><link>/</link>{items}</channel></rss>".encode()


def test_breakage_is_flagged(tmp_path: Path) -> None:
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n")}
    with serve(routes) as (base, _):
        project = tmp_path / "p.yaml"
        project.write_text(
            "brands: [{name: Voltaro}]\n"
            f"sources:\n  - {{name: watched, kind: news, feeds: ['{base}/feed.xml']}}\n"
            "settings: {allow_private_hosts: ['127.0.0.1'], autothrottle: false}\n")
        ctx = load_context(project, tmp_path / "w")

        def run(run_id: str, names: list[str], empty: list[str] = ()) -> list[str]:
            routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, _feed(names))
            for n in names:
                routes[f"/a/{n}.html"] = (200, {}, EMPTY if n in empty else _page(n))
            crawl_stage(ctx, run_id, ["watched"])
            extract_stage(ctx, "watched", run_id)
            (row,) = source_health(ctx.workdir)
            return list(row["flags"])

        first = [f"a{i}" for i in range(5)]
        assert run("r1", first) == []  # the backlog
        assert run("r2", first + [f"b{i}" for i in range(5)]) == []  # five new: the usual rate
        assert run("r3", first + [f"b{i}" for i in range(5)]) == ["no_new_documents"]
        news = [f"c{i}" for i in range(5)]
        assert run("r4", news, empty=news) == ["empty_extractions_jump"]
        assert incomplete_sources(ctx) == []
        routes["/feed.xml"] = (503, {}, b"down")
        crawl_stage(ctx, "r5", ["watched"])
        extract_stage(ctx, "watched", "r5")
        (row,) = source_health(ctx.workdir)
        assert "crawl_errors" in row["flags"] and row["failed"] == {"http_503": 3}
        assert incomplete_sources(ctx) == ["watched"]
    proc = run_cli("sources", "health", "--workdir", str(ctx.workdir))
    assert proc.returncode == 1 and "crawl_errors" in proc.stdout
