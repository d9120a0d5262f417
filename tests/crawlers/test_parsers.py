"""Every recorded page of every source parses to its golden fields (checked by hand once)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from brandradar.crawlers.parsers import extract_article, extract_posts
from brandradar.crawlers.sources import load_source, source_names
from brandradar.errors import PermanentError
from brandradar.sources import Listing, Parser, Source

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"
FETCHED = datetime(2026, 11, 23, 12, tzinfo=UTC)
_NEWS = Source(name="news", kind="news", feeds=["https://example.org/feed.xml"])


# One folder per source; subfolders hold recordings of older layouts (e.g. ``v1/``).
RECORDINGS = sorted(str(p.parent.relative_to(PAGES)) for p in PAGES.rglob("page.html"))


def _parse(recording: str) -> list[dict[str, object]]:
    folder = PAGES / recording
    meta = json.loads((folder / "meta.json").read_text())
    html = (folder / "page.html").read_text()
    source = load_source(recording.split("/")[0])
    docs = (extract_posts(html, meta["url"], source, FETCHED) if source.parser
            else [extract_article(html, meta["url"], source, FETCHED)])
    expected_keys = json.loads((folder / "expected.json").read_text())[0].keys()
    return [{k: (v.isoformat() if isinstance(v, datetime) else v)
             for k, v in d.to_row().items() if k in expected_keys} for d in docs]


@pytest.mark.parametrize("recording", RECORDINGS)
def test_recorded_page_matches_golden(recording: str) -> None:
    assert _parse(recording) == json.loads((PAGES / recording / "expected.json").read_text())


def test_every_parser_version_has_a_recording() -> None:
    for name in source_names():
        source = load_source(name)
        if source.parser is None:
            continue
        want = {f"{p.name}-v{p.version}" for p in [source.parser, *source.previous_parsers]}
        got = {str(row["parser"]) for rec in RECORDINGS if rec.split("/")[0] == name
               for row in _parse(rec)}
        assert got == want, name


def test_every_source_with_a_parser_has_a_recording() -> None:
    for name in source_names():
        if load_source(name).parser is not None:
            assert (PAGES / name / "page.html").exists(), name


@pytest.mark.parametrize("recording", ["demo_velo_forum", "demo_velo_forum/v1"])
def test_quote_is_kept_apart_from_the_post(recording: str) -> None:
    posts = _parse(recording)
    quoted = [p for p in posts if p["quote_text"]]
    assert quoted
    for p in quoted:
        assert str(p["quote_text"]) not in str(p["text"])
        assert p["reply_to"]


def test_review_page_without_browser_has_no_reviews() -> None:
    """The server's HTML holds an empty container; only the rendered DOM has reviews."""
    from brandradar.demo.content import build
    from brandradar.demo.sites import reviews_site

    page = reviews_site(build(), "http://127.0.0.1:8784")("/product/p1")
    source = load_source("demo_bike_reviews")
    with pytest.raises(PermanentError, match="found no posts"):
        extract_posts(page.body.decode(), "http://127.0.0.1:8784/product/p1", source, FETCHED)


@pytest.mark.parametrize("html", [
    "",
    "<html><body><nav>menu</nav></body></html>",
    "<html><body><article><p>Trunc",
])
def test_broken_pages_give_a_named_error_or_text(html: str) -> None:
    source = load_source("demo_rad_kurier")
    try:
        doc = extract_article(html, "http://127.0.0.1:8781/x.html", source, FETCHED)
    except PermanentError as exc:
        assert "http://127.0.0.1:8781/x.html" in str(exc)
    else:
        assert doc.text


def test_canonical_link_makes_one_document_of_many_urls() -> None:
    source = load_source("demo_rad_kurier")
    page = (PAGES / "demo_rad_kurier" / "page.html").read_text()
    url = json.loads((PAGES / "demo_rad_kurier" / "meta.json").read_text())["url"]
    a = extract_article(page, url + "?utm_source=newsletter", source, FETCHED)
    b = extract_article(page, url + "?view=print", source, FETCHED)
    assert a.doc_id == b.doc_id and a.url == b.url == url
    hijack = page.replace(url, "http://127.0.0.2:8781/other.html")
    c = extract_article(hijack, url + "?view=print", source, FETCHED)
    assert c.url == url + "?view=print"  # another host's canonical is not trusted


def test_docs_sources_table_is_current() -> None:
    from brandradar.crawlers.sources import sources_table

    doc = (PAGES.parents[2] / "docs" / "sources.md").read_text()
    assert doc.endswith(sources_table()), "run: brandradar sources list --markdown"


# A post as phpBB 3.2's prosilver style writes it (styles/prosilver/template/bbcode.html:
# a quote is <blockquote><div><cite>…</cite>…</div></blockquote>, a code box is
# <div class="codebox"><p>Code: …</p><pre><code>…</code></pre></div>; viewtopic_body.html puts the
# signature in <div class="signature"> beside the content, here inside to test it too).
PHPBB_POST = """<html lang="de"><body><div class="post" id="p123"><div class="postbody">
<div class="content"><blockquote><div><cite>Gonzo wrote:</cite>Voltaro ist Schrott.</div>
</blockquote>Ich finde Voltaro gut.<div class="codebox"><p>Code: <a href="#">Select all</a></p>
<pre><code>voltaro --reset</code></pre></div> Seit einem Jahr ohne Probleme.
<div class="signature">Voltaro-Fan seit 2019</div></div></div></div></body></html>"""


def test_quotes_code_and_signatures_never_reach_the_body() -> None:
    source = Source(name="board", kind="forum", listing=Listing(
        start_urls=["https://forum.example.org/"], link="a.topic"), parser=Parser(
        name="phpbb", version="1", item="div.post", post_id="::attr(id)",
        body="div.content", quote="blockquote cite::text"))
    (post,) = extract_posts(PHPBB_POST, "https://forum.example.org/viewtopic.php?t=1", source,
                            datetime(2026, 11, 30, tzinfo=UTC))
    # the author's words, also those after the quote and the code box (their "tails")
    assert post.text == "Ich finde Voltaro gut. Seit einem Jahr ohne Probleme."


def test_a_reader_poll_inside_an_article_is_not_its_text() -> None:
    # 20min.ch, 17 Dec 2024 (fundus gold page): "Sollten Plattformen wie Tiktok strenger reguliert
    # werden …?" with four radio buttons between two paragraphs — a brand mention in it had
    # counted (mention sample, draw 5).
    from brandradar.crawlers.extraction_eval import fundus_pages

    gold = Path(__file__).parent.parent / "fixtures" / "extraction" / "fundus"
    page = next(p for p in fundus_pages(gold) if p.page_id == "ZwanzigMinuten_2024_12_17")
    text = extract_article(page.html, page.url, _NEWS, FETCHED).text
    assert "Tiktok wolle weiterhin mit der Europäischen Kommission" in text  # before the poll
    assert "Der Oberste Verteidigungsrat (CSAT)" in text  # after it
    assert "strenger reguliert" not in text and "Nein, das wäre Zensur" not in text


def test_only_short_elements_named_as_polls_are_dropped() -> None:
    para = "<p>" + "Apollo shipped the new release to every customer this week. " * 5 + "</p>"
    poll = "<div class='poll-box'><p>Do you like Apollo?</p><label>Yes</label></div>"
    # A class that holds "poll" inside a word is no poll; a long element named so wraps the text.
    long = "".join(f"<p>Paragraph {i} of the results: " + "the survey asked readers. " * 20
                   + "</p>" for i in range(8))
    html = (f"<html><body><article><h1>T</h1><div class='apollo-text'>{para}</div>{poll}"
            f"<div class='polls-section'>{long}</div></article></body></html>")
    text = extract_article(html, "https://example.org/a", _NEWS, FETCHED).text
    assert "Apollo shipped" in text and "Do you like" not in text
    assert all(f"Paragraph {i} of the results" in text for i in range(8))
