"""schema.org posts and reviews on a page: JSON-LD and microdata.

Forum software (Discourse, XenForo 2.2+, Invision Community), review sites and news sites
describe their content for search engines: ``DiscussionForumPosting`` and its ``Comment``s,
``Review`` with ``reviewRating``, ``NewsArticle`` with ``author`` and ``datePublished``. Reading
that description needs no selectors at all.

Written here rather than taken from extruct: extruct returns microdata properties as flattened
text, and a post's text element is needed as an element, so that its quotes, code boxes and
signatures can be left out like in every other parser; its RDFa/microformat readers (rdflib,
pyRdfa) would be dead weight for the few types read here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from parsel import Selector

POST_TYPES = frozenset({"DiscussionForumPosting", "Comment", "Answer", "Question", "Review"})
# Types that make a page a thread even when it also carries an article type (beside a
# NewsArticle, Comments are reader comments and a Review is a teaser box: the article wins).
THREAD_TYPES = frozenset({"DiscussionForumPosting", "Question"})
ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "BlogPosting", "ReportageNewsArticle",
                           "AnalysisNewsArticle", "OpinionNewsArticle", "LiveBlogPosting"})


@dataclass
class Entry:
    """One schema.org item as found on the page, with its text element when it is microdata."""

    type: str
    props: dict[str, Any]
    # The element holding the text (microdata ``text``/``articleBody``/``reviewBody``).
    body: Selector | None = None
    # Where the item sits on the page (for ids when the markup gives none).
    position: int = 0

    def first(self, *names: str) -> Any:
        """The first value among ``names`` that is set (a list gives its first item)."""
        for name in names:
            value = self.props.get(name)
            if isinstance(value, list):
                value = value[0] if value else None
            if value not in (None, ""):
                return value
        return None

    def text(self, *names: str) -> str | None:
        """A property as plain text: a nested item gives its name."""
        value = self.first(*names)
        if isinstance(value, Entry):
            value = value.first("name", "alternateName")
        elif isinstance(value, dict):
            value = value.get("name") or value.get("alternateName")
        if isinstance(value, list):
            value = value[0] if value else None
        return " ".join(str(value).split()) if value not in (None, "") else None


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").rstrip("/").rsplit("/", 1)[-1]


def json_ld(page: Selector) -> list[Entry]:
    """Every JSON-LD item on the page, nested ``comment``/``review`` items included; a script
    that is not valid JSON is skipped (pages ship broken ones)."""
    out: list[Entry] = []
    for n, script in enumerate(page.css('script[type="application/ld+json"]::text').getall()):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for item in _walk(data, None):
            out.append(Entry(_type_name(item.get("@type")), item, position=n * 1000 + len(out)))
    return out


def _walk(data: Any, product: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    """Items in a JSON-LD document; a review listed under a Product gets it as
    ``itemReviewed`` when it names none."""
    if isinstance(data, list):
        for item in data:
            yield from _walk(item, product)
    elif isinstance(data, dict):
        if "@type" in data:
            if product is not None and _type_name(data["@type"]) == "Review":
                data = {"itemReviewed": product, **data}
            yield data
        if _type_name(data.get("@type")) == "Product":
            product = data
        for key in ("@graph", "comment", "review", "mainEntity", "hasPart", "suggestedAnswer",
                    "acceptedAnswer"):
            if key in data:
                yield from _walk(data[key], product)


def microdata(page: Selector) -> list[Entry]:
    """Every microdata item of a type read here, with its properties (nested items as Entry)."""
    out = []
    for n, node in enumerate(page.xpath("//*[@itemscope][@itemtype]")):
        kind = _type_name((_attr(node, "itemtype").split() or [""])[0])
        if kind in POST_TYPES or kind in ARTICLE_TYPES:
            entry = _item(node, kind)
            entry.position = n
            if kind == "Review" and "itemReviewed" not in entry.props:
                # A review nested in a Product's markup reviews that product.
                for outer in node.xpath("ancestor::*[@itemscope][@itemtype][1]"):
                    if _type_name(_attr(outer, "itemtype")) == "Product":
                        entry.props["itemReviewed"] = _item(outer, "Product")
            out.append(entry)
    return out


def _item(node: Selector, kind: str) -> Entry:
    props: dict[str, Any] = {}
    body = None
    for prop in _own_props(node):
        name = _attr(prop, "itemprop")
        value: Any
        if prop.root.get("itemscope") is not None:
            value = _item(prop, _type_name(_attr(prop, "itemtype")))
        else:
            value = _value(prop)
        for key in name.split():
            props.setdefault(key, value)
            if key in ("text", "articleBody", "reviewBody") and body is None:
                body = prop
    return Entry(kind, props, body)


def _own_props(node: Selector) -> list[Selector]:
    """Properties of this item, not of items nested in it."""
    return node.xpath(".//*[@itemprop][count(ancestor::*[@itemscope]) = $depth]",
                      depth=len(node.xpath("ancestor-or-self::*[@itemscope]")))


def _attr(node: Selector, name: str) -> str:
    """One attribute of an element. Read by name: parsel's ``attrib`` copies every attribute,
    and lxml refuses to hand out an attribute whose name holds control characters (hostile
    pages have them)."""
    value = node.root.get(name)
    return str(value) if value is not None else ""


def _value(prop: Selector) -> str:
    tag = prop.root.tag if isinstance(prop.root.tag, str) else ""
    attribute = {"meta": "content", "a": "href", "link": "href", "area": "href", "img": "src",
                 "audio": "src", "video": "src", "source": "src"}.get(tag)
    if tag == "time" and prop.root.get("datetime") is not None:
        return _attr(prop, "datetime")
    if attribute is not None:
        return _attr(prop, attribute)
    if prop.root.get("content") is not None:
        return _attr(prop, "content")
    return " ".join(t.strip() for t in prop.css("::text").getall() if t.strip())


def entries(page: Selector) -> list[Entry]:
    """JSON-LD and microdata items of the types read here, in page order (JSON-LD first)."""
    return [e for e in json_ld(page) if e.type in POST_TYPES or e.type in ARTICLE_TYPES] + \
        microdata(page)


def rating_of(entry: Entry) -> float | None:
    """A review's rating on a 0–1 scale: ``ratingValue`` / ``bestRating`` (default 5), as
    every selector parser computes it."""
    rating = entry.first("reviewRating")
    if rating is None:
        return None
    item = rating.props if isinstance(rating, Entry) else rating if isinstance(rating, dict) \
        else {"ratingValue": rating}
    try:
        value = float(str(item.get("ratingValue")).replace(",", "."))
        best = float(str(item.get("bestRating") or 5).replace(",", "."))
    except ValueError:
        return None
    return value / best if 0 <= value <= best and best > 0 else None
