"""Cutting a person out of a crawled page, for ``brandradar forget`` and for every later crawl.

``forget`` rewrites the archive once; the forum thread a person posted in is fetched again by the
next crawl with their posts still on it. So the erasures (``state/erasures.jsonl``: a keyed
HMAC of each erased name or URL, never the name) are applied again to every page before it is
archived: a page at an erased URL or by an erased author is not archived, and an erased
author's posts, quotes of them and their name are cut from a thread page.

Written here because no library edits forum HTML by post; the HTML is edited with lxml.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from pathlib import Path

import lxml.html
from parsel import Selector

from brandradar.crawlers.engines import PRESETS, detect_engine
from brandradar.crawlers.parsers import select_text
from brandradar.sources import Parser, Source

REDACTED = "[removed]"
AUDIT = Path("state") / "erasures.jsonl"
_NAMES = ('meta[name="author"]::attr(content), [rel=author]::text, [itemprop=author] ::text, '
          '.author ::text, .byline ::text')


def subject_hmac(key: str, subject: str) -> str:
    """The erasure record's name for a person or URL: an HMAC under the project's key, so a
    later request or page can be matched and the name cannot be read back."""
    normal = " ".join(subject.split()).casefold()
    return hmac.new(key.encode(), normal.encode(), hashlib.sha256).hexdigest()[:16]


def matches(value: str | None, name: str) -> bool:
    """Whether ``value`` is ``name`` (case and spacing aside)."""
    return bool(value) and " ".join(str(value).split()).casefold() == name.casefold()


def _parsers(source: Source, page: Selector) -> list[Parser]:
    """The parsers that read this page: the source's, else the engine it shows."""
    if source.parser is not None:
        return [source.parser, *source.previous_parsers]
    engine = detect_engine(page)
    return [PRESETS[engine].parser] if engine else []


def redact_thread(html: str, source: Source, name: str) -> tuple[str | None, int]:
    """The thread page without ``name``'s posts, quotes of them and their name; None when the
    page has none of it; and the number of posts cut out."""
    tree = lxml.html.fromstring(html)
    page = Selector(root=tree)
    removed_ids: list[str] = []
    cut = 0
    for parser in _parsers(source, page):
        for item in page.css(parser.item):
            if matches(select_text(item, parser.author), name):
                pid = select_text(item, parser.post_id, parser.post_id_regex)
                if pid:
                    removed_ids.append(pid)
                item.root.drop_tree()  # keeps the text after the post
                cut += 1
        # Replies quoting the person: the quote box holds the person's words, so it goes.
        for box in page.css(", ".join(parser.exclude)):
            inner = " ".join(box.css("::text").getall()) + " " + lxml.html.tostring(
                box.root, encoding="unicode")
            if name.casefold() in inner.casefold() or any(
                    re.search(rf"\b{re.escape(i)}\b", inner) for i in removed_ids):
                box.root.drop_tree()
    text = lxml.html.tostring(tree, encoding="unicode")
    redacted = re.compile(re.escape(name), re.IGNORECASE).sub(REDACTED, text)
    if cut == 0 and redacted == text:
        return None, 0
    return redacted, cut


def article_by(html: str, author: str) -> bool:
    """Whether an article page names ``author`` as its author (meta, JSON-LD, byline)."""
    page = Selector(text=html)
    names = page.css('meta[name="author"]::attr(content), [rel=author]::text, '
                     '[itemprop=author] ::text, .author ::text, .byline ::text').getall()
    return any(matches(n, author) for n in names) or \
        author.casefold() in " ".join(page.css('script[type="application/ld+json"]::text')
                                      .getall()).casefold()



@dataclass(frozen=True)
class Erasures:
    """The erased authors and URLs of a project (their HMACs) with the key to match them."""

    key: str
    authors: frozenset[str]
    urls: frozenset[str]

    @classmethod
    def load(cls, workdir: Path, key: str | None) -> Erasures | None:
        """The erasures recorded in ``workdir``; None when there are none."""
        path = workdir / AUDIT
        if not path.exists():
            return None
        records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
        if not records:
            return None
        if not key:
            raise ValueError(f"{path}: erasures are recorded but no pseudonym key is set to "
                             "match them")
        return cls(key, frozenset(r["subject_hmac"] for r in records if r["kind"] == "author"),
                   frozenset(r["subject_hmac"] for r in records if r["kind"] == "url"))

    def apply(self, url: str, html: str, source: Source, thread: bool) -> str | None:
        """The page as it may be archived: None when it must not be (an erased URL, or a page
        by an erased author), else the HTML with erased authors' posts cut out."""
        if subject_hmac(self.key, url) in self.urls:
            return None
        if not self.authors:
            return html
        page = Selector(text=html)
        if not thread:
            names = page.css(_NAMES).getall()
            erased = any(subject_hmac(self.key, n) in self.authors for n in names if n.strip())
            return None if erased else html
        for parser in _parsers(source, page):
            for item in page.css(parser.item):
                name = select_text(item, parser.author)
                if name and subject_hmac(self.key, name) in self.authors:
                    html = redact_thread(html, source, " ".join(name.split()))[0] or html
        return html
