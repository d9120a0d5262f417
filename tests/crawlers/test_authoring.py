"""`sources new` records a page, tells what it is and writes a YAML source into the project
folder; `sources test` shows what the parser makes of the recordings; `sources check` notices
layout drift on the live page."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import FIXTURES, run_cli
from tests.webserver import serve

ALLOW = {"BRANDRADAR_ALLOW_PRIVATE_HOSTS": '["127.0.0.1"]'}
ENGINES = FIXTURES / "engines"


def test_new_detects_the_engine_then_test_and_check_follow_the_page(tmp_path: Path) -> None:
    page = (ENGINES / "phpbb.html").read_bytes()
    routes = {"/viewtopic.php?t=4711": (200, {}, page)}
    with serve(routes) as (base, _):
        url = f"{base}/viewtopic.php?t=4711"
        new = run_cli("sources", "new", "pedelec_forum", "--url", url, "--kind", "forum",
                      "--language", "de", "--dir", str(tmp_path), env=ALLOW)
        assert new.returncode == 0, new.stderr
        assert "the page names its engine: phpBB" in new.stdout
        declared = yaml.safe_load((tmp_path / "sources" / "pedelec_forum.yaml").read_text())
        assert declared["engine"] == "phpbb" and declared["kind"] == "forum"
        assert declared["listing"]["link"] == "a.topictitle::attr(href)"
        recorded = tmp_path / "sources" / "pedelec_forum"
        golden = json.loads((recorded / "expected.json").read_text())
        assert [g["author"] for g in golden] == ["radler_ms", "Moderator_Kai", "Gast_Heike"]
        assert json.loads((recorded / "meta.json").read_text())["url"] == url

        tested = run_cli("sources", "test", "pedelec_forum", "--dir", str(tmp_path))
        assert tested.returncode == 0, tested.stdout + tested.stderr
        assert "3 documents" in tested.stdout and "radler_ms" in tested.stdout

        ok = run_cli("sources", "check", "pedelec_forum", "--dir", str(tmp_path), env=ALLOW)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        routes["/viewtopic.php?t=4711"] = (200, {}, page.replace(b'class="author"', b'class="by"'))
        drift = run_cli("sources", "check", "pedelec_forum", "--dir", str(tmp_path), env=ALLOW)
    assert drift.returncode == 1
    # the author is still found in the profile column; the date only in the renamed line
    assert "field 'published' is empty on the live page" in drift.stdout


def test_test_names_every_difference_and_write_updates_the_golden_file(tmp_path: Path) -> None:
    recorded = tmp_path / "sources" / "board"
    recorded.mkdir(parents=True)
    (tmp_path / "sources" / "board.yaml").write_text(
        "kind: forum\nengine: smf\nlisting: {start_urls: ['https://forum.example.net/'], "
        "link: 'a::attr(href)'}\n")
    (recorded / "page.html").write_bytes((ENGINES / "smf.html").read_bytes())
    (recorded / "meta.json").write_text(json.dumps(
        {"url": "https://forum.example-pedelec.net/index.php?topic=2013.0"}))
    missing = run_cli("sources", "test", "board", "--dir", str(tmp_path))
    assert missing.returncode == 1 and "no expected.json yet" in missing.stdout
    written = run_cli("sources", "test", "board", "--dir", str(tmp_path), "--write")
    assert written.returncode == 0 and "wrote" in written.stdout
    golden = json.loads((recorded / "expected.json").read_text())
    golden[1]["author"] = "someone_else"
    (recorded / "expected.json").write_text(json.dumps(golden))
    differs = run_cli("sources", "test", "board", "--dir", str(tmp_path))
    assert differs.returncode == 1
    assert 'differs: document 2 (23925): author "someone_else" → "old_spoke"' in differs.stdout


def test_new_tells_feeds_schema_org_pages_and_unknown_forums_apart(tmp_path: Path) -> None:
    feed = sorted((FIXTURES / "feeds").rglob("*.xml"))
    routes = {"/rss": (200, {"Content-Type": "application/rss+xml"}, feed[0].read_bytes()),
              "/p/voltera-city": (200, {}, (ENGINES / "review_jsonld.html").read_bytes()),
              "/thread/9": (200, {}, (FIXTURES / "pages" / "demo_velo_forum" / "page.html")
                            .read_bytes())}
    with serve(routes) as (base, _):
        for name, path, kind in [("news_feed", "/rss", "news"),
                                 ("shop", "/p/voltera-city", "review"),
                                 ("unknown_board", "/thread/9", "forum")]:
            proc = run_cli("sources", "new", name, "--url", base + path, "--kind", kind,
                           "--dir", str(tmp_path), env=ALLOW)
            assert proc.returncode == 0, proc.stderr
    as_yaml = {p.stem: yaml.safe_load(p.read_text()) for p in (tmp_path / "sources").glob("*.yaml")}
    assert as_yaml["news_feed"]["feeds"] == [f"{base}/rss"]
    assert as_yaml["shop"]["engine"] == "auto"
    assert len(json.loads((tmp_path / "sources" / "shop" / "expected.json").read_text())) == 2
    # no engine and no markup: a selector skeleton to fill in, which `test` then reports on
    assert "parser" in as_yaml["unknown_board"] and "engine" not in as_yaml["unknown_board"]


def test_new_refuses_private_addresses_without_allow_list(tmp_path: Path) -> None:
    proc = run_cli("sources", "new", "x", "--url", "http://127.0.0.1:9/", "--kind", "news",
                   "--dir", str(tmp_path))
    assert proc.returncode == 2 and "refused (private address 127.0.0.1" in proc.stderr
    assert not (tmp_path / "sources").exists()


def test_redirect_to_a_private_address_is_refused(tmp_path: Path) -> None:
    routes = {"/go": (302, {"Location": "http://127.0.0.2:9/internal"}, b"")}
    with serve(routes) as (base, _):
        proc = run_cli("sources", "new", "x", "--url", f"{base}/go", "--kind", "news",
                       "--dir", str(tmp_path), env=ALLOW)
    assert proc.returncode == 2 and "redirect to http://127.0.0.2:9/internal refused" in proc.stderr
