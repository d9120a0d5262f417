"""The CLI contract: every command has --help; missing files give one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run_cli

COMMANDS = [["demo"], ["run"], ["sov"], ["alerts"], ["trends"], ["report"], ["serve"],
            ["kibana", "build"], ["kibana", "import"], ["extract"], ["annotate"],
            ["sources", "list"], ["sources", "health"], ["sources", "new"], ["sources", "check"],
            ["authors"], ["reprocess"], ["brands", "test"], ["es", "reindex"],
            ["label", "set"], ["label", "list"], ["label", "queue"], ["label", "train"]]


@pytest.mark.parametrize("cmd", COMMANDS, ids=" ".join)
def test_help(cmd: list[str]) -> None:
    proc = run_cli(*cmd, "--help")
    assert proc.returncode == 0
    assert "usage: brandradar" in proc.stdout


@pytest.mark.parametrize("args,needle", [
    (["sov", "--workdir", "/nonexistent/dir"], "/nonexistent/dir/project.json: not found"),
    (["annotate", "--brands", "/nonexistent/brands.yaml"], "/nonexistent/brands.yaml: file not found"),
    (["extract", "/nonexistent/page.html", "--url", "http://e.org/"],
     "/nonexistent/page.html: file not found"),
    (["run", "--config", "/nonexistent/p.yaml"], "/nonexistent/p.yaml: file not found"),
])
def test_missing_files_give_one_line(args: list[str], needle: str) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]


def test_extract_prints_the_document() -> None:
    page = FIXTURES / "pages" / "demo_rad_kurier" / "page.html"
    url = json.loads((page.parent / "meta.json").read_text())["url"]
    proc = run_cli("extract", str(page), "--url", url, "--json")
    assert proc.returncode == 0, proc.stderr
    (doc,) = json.loads(proc.stdout)  # a list: one document for an article page
    expected = json.loads((page.parent / "expected.json").read_text())[0]
    assert doc["title"] == expected["title"] and doc["text"] == expected["text"]
    assert doc["published"] == expected["published"] and doc["author"] == expected["author"]
    assert doc["language"] == "de"


def test_sources_list(tmp_path: Path) -> None:
    proc = run_cli("sources", "list", "--json", "--config", str(tmp_path / "none.yaml"))
    rows = {r["name"]: r for r in json.loads(proc.stdout)}
    assert rows["demo_bike_reviews"]["browser"] is True
    assert rows["demo_rad_kurier"]["discovery"] == "feed+sitemap"
    assert rows["demo_rad_kurier"]["health"] == "never run"
