"""Project config and brands file: the minimal form works; mistakes are named in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from brandradar.config import load_brands, load_project
from brandradar.errors import ConfigError
from tests.conftest import run_cli


def test_three_line_brands_file_works(tmp_path: Path) -> None:
    f = tmp_path / "brands.yaml"
    f.write_text("brands:\n  - name: Deutsche Bahn\n    aliases: [DB]\n")
    (brand,) = load_brands(f)
    assert brand.name == "Deutsche Bahn" and brand.role == "competitor"
    assert brand.all_aliases() == ["Deutsche Bahn", "DB"]


def test_wrong_entry_is_named(tmp_path: Path) -> None:
    f = tmp_path / "brands.yaml"
    f.write_text("brands:\n  - name: Acme\n  - name: Bolt\n    role: boss\n")
    with pytest.raises(ConfigError, match=r"brands.yaml: brands\.1\.role \('Bolt'\)"):
        load_brands(f)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("brands:\n  - name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"p.yaml: line \d+ not valid YAML"):
        load_project(f)


def test_unknown_source_file_is_named(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("brands: [{name: Acme}]\nsource_files: [no_such_source]\n")
    proc = run_cli("run", "--config", str(f), "--workdir", str(tmp_path / "w"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"brandradar: error: source 'no_such_source' found neither in {tmp_path / 'sources'} nor "
        "the shipped sources (demo_bike_reviews, demo_pedal_blog, demo_rad_kurier, "
        "demo_velo_forum)"]


def test_generic_feed_source_needs_no_python(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("brands: [{name: Acme}]\nsources:\n"
                 "  - {name: acme_news, kind: news, feeds: ['https://example.org/feed.xml']}\n")
    project = load_project(f)
    assert project.sources[0].discovery() == "feed"


def test_source_without_discovery_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("brands: [{name: Acme}]\nsources:\n  - {name: acme, kind: news}\n")
    with pytest.raises(ConfigError, match=r"acme.*declares no way to discover pages"):
        load_project(f)


def test_environment_overrides_project_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from brandradar.config import project_settings

    f = tmp_path / "p.yaml"
    f.write_text("brands: [{name: Acme}]\nsettings: {page_budget: 10, download_delay: 2}\n")
    monkeypatch.setenv("BRANDRADAR_PAGE_BUDGET", "7")
    s = project_settings(load_project(f))
    assert s.page_budget == 7 and s.download_delay == 2


@pytest.mark.parametrize("entry, named", [
    ("listing: {start_urls: ['https://forum.example.org/'], link: 'a.topic['}",
     "link: invalid CSS selector 'a.topic['"),
    ("listing: {start_urls: ['https://forum.example.org/'], link: 'a.t'}, parser: {name: p, "
     "version: '1', item: 'div.post', post_id: '::attr(id)', body: 'div.content::text'}",
     "body: 'div.content::text' selects text"),
    ("listing: {start_urls: ['https://forum.example.org/'], link: 'a.t'}, parser: {name: p, "
     "version: '1', item: 'div.post', post_id: '::attr(id)', body: 'div.c', "
     "post_id_regex: 'p(\\d+'}", "post_id_regex: invalid regular expression"),
])
def test_a_broken_selector_stops_the_run_before_any_crawl(tmp_path: Path, entry: str,
                                                          named: str) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(f"brands: [{{name: Acme}}]\nsources:\n  - {{name: acme, kind: forum, {entry}}}\n")
    proc = run_cli("run", "--config", str(f), "--workdir", str(tmp_path / "w"))
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"brandradar: error: {f}: sources.0.") and "('acme'): " in line
    assert named in line and "Value error" not in line
    assert not (tmp_path / "w" / "raw").exists()  # nothing was crawled


def test_a_language_without_scoring_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("brands: [{name: Acme}]\nsources:\n  - {name: acme_it, kind: news, "
                 "languages: [it], feeds: ['https://example.org/feed.xml']}\n")
    load_project(f)
    assert "source acme_it: language 'it' is not scored" in caplog.text
