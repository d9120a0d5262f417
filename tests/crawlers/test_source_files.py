"""Sources as data: YAML files in the project folder, parser options for dates and ratings,
hooks, and one clear line for a broken file — before any crawling."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from brandradar.crawlers.parsers import extract_posts
from brandradar.crawlers.sources import load_source
from brandradar.errors import ConfigError, PermanentError
from brandradar.sources import Listing, Parser, Source
from brandradar.stages import context_from_workdir, load_context
from tests.conftest import run_cli

ENGINES = Path(__file__).parent.parent / "fixtures" / "engines"
FETCHED = datetime(2026, 12, 1, tzinfo=UTC)
LISTING = Listing(start_urls=["https://shop.example.it/"], link="a::attr(href)")


def _project(tmp_path: Path, source_yaml: str, hook: str | None = None) -> Path:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "shop_reviews.yaml").write_text(source_yaml)
    if hook is not None:
        (tmp_path / "fix_titles.py").write_text(hook)
    config = tmp_path / "project.yaml"
    config.write_text("brands: [{name: Voltera}]\nsource_files: [shop_reviews]\n")
    return config


REVIEWS_YAML = """\
name: shop_reviews
kind: review
languages: [it]
listing:
  start_urls: ["https://shop.example.it/"]
  link: "a.product::attr(href)"
parser:
  name: shop
  version: "1"
  item: "#reviews .review"
  post_id: ".date::text"
  body: "p"
  rating: ".stars::text"
  rating_regex: "([\\\\d,.]+) su 5"
  published: ".date::text"
"""


def test_review_page_with_italian_dates_and_decimal_comma_ratings(tmp_path: Path) -> None:
    """The real Amazon.it wording "5,0 su 5 stelle" and dates like "14 novembre 2018"."""
    config = _project(tmp_path, REVIEWS_YAML)
    ctx = load_context(config, tmp_path / "work")
    (source,) = ctx.sources
    html = (ENGINES / "review_jsonld.html").read_text()
    docs = extract_posts(html, "https://shop.example.it/p/voltera-city", source, FETCHED)
    assert [(d.rating, d.published) for d in docs] == [
        (1.0, datetime(2018, 11, 14, tzinfo=UTC)), (0.4, datetime(2018, 11, 20, tzinfo=UTC))]


def test_rating_read_from_a_css_class() -> None:
    html = ('<html><body><div class="r" id="r1"><i class="stars star-4"></i><p>Gut.</p></div>'
            '</body></html>')
    source = Source(name="s", kind="review", listing=LISTING, parser=Parser(
        name="s", version="1", item="div.r", post_id="::attr(id)", body="p",
        rating="i.stars::attr(class)", rating_regex=r"star-(\d)"))
    (doc,) = extract_posts(html, "https://shop.example.it/p/1", source, FETCHED)
    assert doc.rating == 0.8


def test_yaml_source_in_the_project_folder_runs_without_the_checkout(tmp_path: Path) -> None:
    config = _project(tmp_path, REVIEWS_YAML)
    ctx = load_context(config, tmp_path / "work")
    assert [s.name for s in ctx.sources] == ["shop_reviews"] and ctx.sources[0].kind == "review"
    # later stages (and other machines) read the sources from the work directory's snapshot
    again = context_from_workdir(tmp_path / "work")
    assert again.sources == ctx.sources


def test_project_yaml_source_wins_over_a_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "demo_rad_kurier.yaml").write_text(
        "kind: news\nfeeds: ['https://news.example.org/rss']\n")
    assert load_source("demo_rad_kurier", tmp_path).feeds == ["https://news.example.org/rss"]
    assert load_source("demo_rad_kurier").feeds != ["https://news.example.org/rss"]


@pytest.mark.parametrize(("change", "message"), [
    (('rating: ".stars::text"', 'rating: ".stars:::text"'),
     "shop_reviews.yaml: parser: rating: invalid CSS selector '.stars:::text'"),
    (('rating_regex: "([\\\\d,.]+) su 5"', 'rating_regex: "([\\\\d,.]+ su 5"'),
     "shop_reviews.yaml: parser: rating_regex: invalid regular expression"),
    (('rating_regex: "([\\\\d,.]+) su 5"', 'rating_regex: "su 5"'),
     "rating_regex: 'su 5' needs a group ( ) around the part to keep"),
    (('kind: review', 'kind: reviews'), "shop_reviews.yaml: kind: Input should be"),
    (('name: shop_reviews', 'name: other'), "name 'other' differs from the file name"),
    (('body: "p"', 'body: "p::text"'), "body: 'p::text' selects text"),
])
def test_a_broken_source_file_is_one_line_naming_file_and_field_before_any_crawl(
        tmp_path: Path, change: tuple[str, str], message: str) -> None:
    config = _project(tmp_path, REVIEWS_YAML.replace(*change))
    proc = run_cli("run", "--config", str(config), "--workdir", str(tmp_path / "work"))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert message in lines[0] and str(tmp_path / "sources" / "shop_reviews.yaml") in lines[0]
    assert not (tmp_path / "work" / "raw").exists()


HOOK = '''\
def fix(documents, page, url):
    """The shop writes the product name only in the page title."""
    name = page.css("title::text").get().split(" - ")[0]
    return [d.__class__(**{**vars(d), "product": name}) for d in documents]


def broken(documents, page, url):
    raise RuntimeError("layout changed")
'''


def test_hook_file_next_to_the_config_changes_the_documents(tmp_path: Path) -> None:
    config = _project(tmp_path, REVIEWS_YAML.replace("kind: review\n",
                                                     "kind: review\nhook: fix_titles.py:fix\n"),
                      hook=HOOK)
    ctx = load_context(config, tmp_path / "work")
    (source,) = ctx.sources
    assert source.hook == f"{tmp_path / 'fix_titles.py'}:fix"
    html = (ENGINES / "review_jsonld.html").read_text()
    docs = extract_posts(html, "https://shop.example.it/p/voltera-city", source, FETCHED)
    assert {d.product for d in docs} == {"Voltera City 2024"}
    failing = source.model_copy(update={"hook": f"{tmp_path / 'fix_titles.py'}:broken"})
    with pytest.raises(PermanentError, match=r"hook .*:broken failed \(RuntimeError: layout"):
        extract_posts(html, "https://shop.example.it/p/voltera-city", failing, FETCHED)


@pytest.mark.parametrize(("hook", "message"), [
    ("no_such_file.py:fix", "no_such_file.py:fix: file"),
    ("fix_titles.py:nothing", "has no function 'nothing'"),
    ("no_such_module_xyz:fix", "cannot import (ModuleNotFoundError"),
])
def test_a_hook_that_cannot_load_stops_the_config(tmp_path: Path, hook: str,
                                                  message: str) -> None:
    config = _project(tmp_path, REVIEWS_YAML.replace("kind: review\n",
                                                     f"kind: review\nhook: {hook}\n"), hook=HOOK)
    with pytest.raises(ConfigError, match=message.replace("(", "\\(")):
        load_context(config, tmp_path / "work")


def test_extract_json_lists_every_post_of_a_real_engine_page() -> None:
    proc = run_cli("extract", str(ENGINES / "smf.html"), "--url",
                   "https://forum.example-pedelec.net/index.php?topic=2013.0", "--json")
    assert proc.returncode == 0, proc.stderr
    docs = json.loads(proc.stdout)
    assert [(d["post_id"], d["author"], d["reply_to"]) for d in docs] == [
        ("23919", "nightrider", None), ("23925", "old_spoke", "23919")]
    assert "Quote from" not in docs[1]["text"] and docs[1]["parser"] == "smf-preset-v1"



@pytest.mark.slow
def test_a_yaml_engine_source_crawls_and_extracts_a_real_board(tmp_path: Path) -> None:
    """A real Scrapy crawl over loopback HTTP of a phpBB board declared in three YAML lines."""
    from brandradar.extract import extract_source
    from brandradar.stages import crawl_stage
    from tests.phpbb_board import phpbb_board

    with phpbb_board(tmp_path) as (config, seen):
        ctx = load_context(config, tmp_path / "work")
        crawl_stage(ctx, "run1")
    assert {"/viewtopic.php?t=4711", "/viewtopic.php?t=4712"} <= set(seen)
    counts = extract_source(ctx.source("pedelec_forum"), ctx.workdir, run_id="run1")
    assert counts["documents"] == 6 and counts.get("empty_extractions", 0) == 0
    assert counts["undated"] == 0
