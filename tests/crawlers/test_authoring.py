"""`sources new` writes a working skeleton from a live page; `sources check` notices layout drift."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import FIXTURES, run_cli
from tests.webserver import serve

ALLOW = {"BRANDRADAR_ALLOW_PRIVATE_HOSTS": '["127.0.0.1"]'}


def test_new_then_check_then_drift(tmp_path: Path) -> None:
    (tmp_path / "crawlers" / "sources").mkdir(parents=True)
    page = (FIXTURES / "pages" / "demo_velo_forum" / "page.html").read_bytes()
    routes = {"/thread/9": (200, {}, page)}
    with serve(routes) as (base, _):
        new = run_cli("sources", "new", "board_talk", "--url", f"{base}/thread/9", "--kind", "forum",
                      "--language", "ru", "--root", str(tmp_path), env=ALLOW)
        assert new.returncode == 0, new.stderr
        src = (tmp_path / "crawlers" / "sources" / "board_talk.py").read_text()
        assert 'name="board_talk"' in src and 'kind="forum"' in src
        recorded = tmp_path / "tests" / "fixtures" / "pages" / "board_talk"
        golden = json.loads((recorded / "expected.json").read_text())
        assert len(golden) == 5 and all(g["author"] and g["text"] for g in golden)
        assert json.loads((recorded / "meta.json").read_text())["url"] == f"{base}/thread/9"

        ok = run_cli("sources", "check", "board_talk", "--root", str(tmp_path), env=ALLOW)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        routes["/thread/9"] = (200, {}, page.replace(b'class="author"', b'class="nick"'))
        drift = run_cli("sources", "check", "board_talk", "--root", str(tmp_path), env=ALLOW)
    assert drift.returncode == 1
    assert "field 'author' is empty on the live page" in drift.stdout


def test_new_refuses_private_addresses_without_allow_list(tmp_path: Path) -> None:
    (tmp_path / "crawlers" / "sources").mkdir(parents=True)
    proc = run_cli("sources", "new", "x", "--url", "http://127.0.0.1:9/", "--kind", "news",
                   "--root", str(tmp_path))
    assert proc.returncode == 2 and "refused (private address 127.0.0.1" in proc.stderr


def test_redirect_to_a_private_address_is_refused(tmp_path: Path) -> None:
    (tmp_path / "crawlers" / "sources").mkdir(parents=True)
    routes = {"/go": (302, {"Location": "http://127.0.0.2:9/internal"}, b"")}
    with serve(routes) as (base, _):
        proc = run_cli("sources", "new", "x", "--url", f"{base}/go", "--kind", "news",
                       "--root", str(tmp_path), env=ALLOW)
    assert proc.returncode == 2 and "redirect to http://127.0.0.2:9/internal refused" in proc.stderr
