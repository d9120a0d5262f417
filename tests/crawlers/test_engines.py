"""Zero-code posts and reviews: engine presets and schema.org markup on pages built from the
engines' real templates (tests/fixtures/engines/README.md), and no false finds on real news."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from parsel import Selector

from brandradar.crawlers.engines import PRESETS, detect_engine
from brandradar.crawlers.parsers import extract_page, extract_posts
from brandradar.crawlers.structured import ARTICLE_TYPES, THREAD_TYPES, entries
from brandradar.errors import PermanentError
from brandradar.sources import Listing, Source

ENGINES = Path(__file__).parent.parent / "fixtures" / "engines"
URLS: dict[str, str] = json.loads((ENGINES / "urls.json").read_text())
FETCHED = datetime(2026, 12, 1, tzinfo=UTC)
# What each page is: a preset name, or None for pages read by their schema.org markup alone.
DETECTED = {"phpbb": "phpbb", "vbulletin": "vbulletin", "xenforo": "xenforo",
            "discourse": "discourse", "invision": "invision", "smf": "smf", "mybb": "mybb",
            "review_jsonld": None, "review_microdata": None, "forum_jsonld": None}
ZERO_CONFIG = Source(name="cli", kind="forum", feeds=["https://example.org/feed"])
FIELDS = ("post_id", "title", "author", "published", "text", "reply_to", "rating", "product",
          "language", "parser")


def _rows(name: str, source: Source = ZERO_CONFIG) -> list[dict[str, object]]:
    html = (ENGINES / f"{name}.html").read_text()
    docs = extract_page(html, URLS[name], source, FETCHED)
    return [{k: (v.isoformat() if isinstance(v, datetime) else v)
             for k, v in d.to_row().items() if k in FIELDS} for d in docs]


@pytest.mark.parametrize("name", sorted(DETECTED))
def test_engine_is_told_from_the_page(name: str) -> None:
    assert detect_engine(Selector(text=(ENGINES / f"{name}.html").read_text())) == DETECTED[name]


@pytest.mark.parametrize("name", sorted(DETECTED))
def test_page_gives_one_document_per_post_with_no_configuration(name: str) -> None:
    """Author, date, reply-to, rating and the author's own words (no quotes, code, signatures)
    match the golden file, read against the page by hand."""
    assert _rows(name) == json.loads((ENGINES / "expected" / f"{name}.json").read_text())


def test_quoted_code_and_signature_text_stays_out_of_every_engine() -> None:
    leaks = {"phpbb": ["Der Händler sagt, das sei normal. Normal", "voltera-cli", "4.200 km"],
             "vbulletin": ["swelled up after two winters.No official", "9,000 miles"],
             "xenforo": ["Click to expand", "bms reset", "Voltera Trek 2021"],
             "discourse": ["pendler_tom:", "every ride. Same", "Pairing your bike"],
             "invision": ["Bergziege schrieb", "Allgäu"],
             "smf": ["Quote from", "diag --sensor", "since 2017"],
             "mybb": ["написал", "cells --balance", "Казань"]}
    for name, needles in leaks.items():
        texts = " | ".join(str(r["text"]) for r in _rows(name))
        assert not [n for n in needles if n in texts], name


def test_a_declared_engine_takes_single_field_overrides() -> None:
    source = Source.model_validate({
        "name": "board", "kind": "forum", "engine": "phpbb",
        "listing": {"start_urls": ["https://forum.example-pedelec.de/"],
                    "link": PRESETS["phpbb"].thread_link},
        "parser": {"author": "dl.postprofile dt a::text"}})
    assert source.parser is not None and source.parser.item == PRESETS["phpbb"].parser.item
    assert source.parser.author == "dl.postprofile dt a::text"
    rows = _rows("phpbb", source)
    # the guest's name is a <span>, not a link, in the profile column: the override sees none
    assert [r["author"] for r in rows] == ["radler_ms", "Moderator_Kai", None]


def test_a_declared_engine_that_finds_nothing_says_so() -> None:
    source = Source(name="board", kind="forum", engine="xenforo",
                    listing=Listing(start_urls=["https://forum.example.org/"], link="a"))
    html = (ENGINES / "phpbb.html").read_text()
    with pytest.raises(PermanentError, match=r"xenforo-preset v1 and schema\.org markup found no"):
        extract_posts(html, URLS["phpbb"], source, FETCHED)


def test_auto_reads_each_page_by_its_own_engine() -> None:
    source = Source(name="mixed", kind="forum", engine="auto",
                    listing=Listing(start_urls=["https://forum.example.org/"], link="a"))
    for name in ("smf", "review_microdata"):
        html = (ENGINES / f"{name}.html").read_text()
        docs = extract_posts(html, URLS[name], source, FETCHED)
        assert docs and all(d.source == "mixed" for d in docs)


def _real_news_pages() -> list[Path]:
    root = Path(__file__).parent.parent / "fixtures" / "extraction"
    return sorted(root.rglob("*.html.gz")) + sorted(root.rglob("*.html"))


def test_real_news_pages_are_never_taken_for_forums() -> None:
    """On the 341 real fundus and Zyte article pages no engine is detected and the schema.org
    rule leaves every page to the article extractor (reader comments, review teaser boxes)."""
    pages = _real_news_pages()
    assert len(pages) > 300
    taken = []
    for path in pages:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        sel = Selector(text=raw.decode("utf-8", "replace"))
        kinds = {e.type for e in entries(sel)}
        if detect_engine(sel) or (kinds & THREAD_TYPES) or \
                (kinds - ARTICLE_TYPES and not kinds & ARTICLE_TYPES):
            taken.append(path.name)
    assert taken == []
