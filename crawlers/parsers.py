"""Turning one archived page into documents: a source's selector parser, or trafilatura.

Articles and blog posts go through trafilatura (main text, title, author); the publication time
comes from the page's own metadata first (``article:published_time``, ``<time datetime>``), then
the feed entry, then trafilatura's date, because trafilatura only knows the day and alerts work
per hour. Pages with several documents (forum threads, review pages) are cut into posts by the
selectors their source declares.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from parsel import Selector
from w3lib.encoding import html_to_unicode

from brandradar.errors import PermanentError
from brandradar.model import Document
from brandradar.sources import Parser, Source
from brandradar.urls import doc_id, domain_of

ARTICLE_PARSER = f"trafilatura-{trafilatura.__version__}"
# Shorter "main text" is a menu or a button label that the extractor fell back to, not an article.
MIN_ARTICLE_CHARS = 40

_TIME_META = (
    'meta[property="article:published_time"]::attr(content)',
    'meta[name="date"]::attr(content)',
    'meta[itemprop="datePublished"]::attr(content)',
    "article time::attr(datetime)",
    "time::attr(datetime)",
)


# "200 OK" pages that say they are not there: shown as the title or the start of a short text.
_NOT_FOUND = re.compile(
    r"\b(404|page not found|not found|seite nicht gefunden|nicht gefunden|страница не найдена|"
    r"не найдена|ошибка 404)\b", re.IGNORECASE)


def decode_html(body: bytes, content_type: str | None) -> str:
    """Decode a page; valid UTF-8 wins over a wrong declaration, else header/meta/detection.

    A declared charset that does not fit the bytes leaves replacement characters (U+FFFD); the
    page is then decoded again with the charset that charset-normalizer detects, when that one
    decodes it cleanly.
    """
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        text = html_to_unicode(content_type, body)[1]
    if garbled_share(text) == 0.0:
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    again = str(best) if best is not None else ""
    return again if again and garbled_share(again) < garbled_share(text) else text


def garbled_share(text: str) -> float:
    """Share of replacement characters (U+FFFD) in a text: what a wrong charset leaves."""
    return text.count("\ufffd") / len(text) if text else 0.0


def parse_time(value: str | None, source: Source | None = None,
               relative_to: datetime | None = None) -> datetime | None:
    """A timestamp as an aware UTC datetime, or None when absent or unreadable.

    ISO 8601 first; then the source's ``date_format`` (``strptime`` codes) when it declares one;
    then dateparser, in the source's ``locale`` or languages, so that forum and review dates
    such as "05 Sep 2018 10:44", "14 novembre 2018" or "вчера в 10:15" (relative to
    ``relative_to``, the fetch time) are read. A date without a zone is taken as UTC.
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    when: datetime | None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        when = _local_date(text, source, relative_to)
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _local_date(text: str, source: Source | None, relative_to: datetime | None) -> datetime | None:
    if source is not None and source.date_format:
        try:
            return datetime.strptime(text, source.date_format)
        except ValueError:
            return None
    import dateparser  # imported here: its language data costs ~0.3 s on first use

    settings: dict[str, Any] = {"RETURN_AS_TIMEZONE_AWARE": True, "TO_TIMEZONE": "UTC",
                                "PREFER_DATES_FROM": "past"}
    if relative_to is not None:
        settings["RELATIVE_BASE"] = relative_to.replace(tzinfo=None)
    locales = [source.locale] if source is not None and source.locale else None
    languages = (source.languages or None) if source is not None and not locales else None
    try:
        return dateparser.parse(text[:200], languages=languages, locales=locales,
                                settings=settings)
    except (ValueError, TypeError, OverflowError):
        return None


def _text(sel: Selector, css: str | None) -> str | None:
    if not css:
        return None
    node = sel.css(css)
    if not node:
        return None
    if css.endswith("::text"):
        return " ".join(t.strip() for t in node.getall() if t.strip()) or None
    if "::" in css:
        value = node.get()
        return value.strip() if value else None
    return " ".join(t.strip() for t in node.css("::text").getall() if t.strip()) or None


def _own_words(item: Selector, parser: Parser) -> str | None:
    """The body's text without what ``parser.exclude`` names (quotes, code, signatures) nor the
    element of the ``quote`` selector: other people's words and code are not the author's
    opinion."""
    if "::" in parser.body:
        return _text(item, parser.body)
    selectors = [*parser.exclude, *([parser.quote.split("::", 1)[0]] if parser.quote else [])]
    # The elements are held here: lxml reuses an element's Python object only while it lives,
    # and a freed object's id() can come back as another element's.
    held = [n.root for sel in selectors for n in item.css(sel)]
    excluded = {id(e) for e in held}
    words = []
    for node in item.css(parser.body):
        top = node.root
        # lxml's own text results know their element (parsel's are plain strings); the text
        # after an element (its tail) hangs on that element: start from the one containing it.
        for text in top.xpath(".//text()"):
            element = text.getparent()
            if text.is_tail and element is not None:
                element = element.getparent()
            while element is not None and id(element) not in excluded and element is not top:
                element = element.getparent()
            if element is None or id(element) not in excluded:
                stripped = str(text).strip()
                if stripped:
                    words.append(stripped)
    return " ".join(words) or None


def _canonical(sel: Selector, url: str) -> str:
    """The page's ``rel=canonical`` URL when it stays on the same host (a crawled page must not
    be able to claim another site's identity), else the fetched URL."""
    href = sel.css('link[rel="canonical"]::attr(href)').get()
    if not href:
        return url
    target = urljoin(url, href.strip())
    if urlsplit(target).scheme in ("http", "https") and \
            urlsplit(target).netloc.lower() == urlsplit(url).netloc.lower():
        return target
    return url


def extract_article(html: str, url: str, source: Source, fetched: datetime,
                    feed_published: str | None = None) -> Document:
    """One article or blog post; raises PermanentError when no main text is found."""
    raw = trafilatura.bare_extraction(html, url=url, with_metadata=True, favor_precision=True)
    result: dict[str, Any] = raw.as_dict() if raw is not None and not isinstance(raw, dict) else raw or {}
    text = result.get("text") or ""
    if len(text.strip()) < MIN_ARTICLE_CHARS:
        raise PermanentError(f"{url}: no main text found", "no_main_text")
    title = result.get("title") or ""
    if len(text) < 600 and (_NOT_FOUND.search(title) or _NOT_FOUND.search(text[:200])):
        raise PermanentError(f"{url}: the page says it was not found (soft 404)", "soft_404")
    sel = Selector(text=html)
    url = _canonical(sel, url)
    published = None
    for css in _TIME_META:
        published = parse_time(sel.css(css).get(), source, fetched)
        if published:
            break
    published = published or parse_time(feed_published, source, fetched) \
        or parse_time(result.get("date"), source, fetched)
    lang = sel.css("html::attr(lang)").get()
    return Document(
        doc_id=doc_id(url), source=source.name, source_kind=source.kind, url=url,
        domain=domain_of(url), title=(result.get("title") or "").strip(), text=text.strip(),
        published=published, fetched=fetched, author=result.get("author"),
        language=(lang or "").split("-")[0].lower() or None, parser=ARTICLE_PARSER,
    )


def extract_posts(html: str, url: str, source: Source, fetched: datetime) -> list[Document]:
    """All posts or reviews on one page: the current parser first, then older layouts' parsers."""
    if source.parser is None:
        raise PermanentError(f"source {source.name} has no parser for multi-post pages")
    sel = Selector(text=html)
    for parser in [source.parser, *source.previous_parsers]:
        docs = _posts(sel, parser, url, source, fetched)
        if docs:
            return docs
    versions = ", ".join(f"v{p.version}" for p in [source.parser, *source.previous_parsers])
    raise PermanentError(f"{url}: parser {source.parser.name} ({versions}) found no posts",
                         "no_posts")


def _posts(sel: Selector, parser: Parser, url: str, source: Source,
           fetched: datetime) -> list[Document]:
    title = _text(sel, parser.title) or ""
    product = _text(sel, parser.product)
    docs = []
    for item in sel.css(parser.item):
        pid = _text(item, parser.post_id)
        if pid and parser.post_id_regex:
            m = re.search(parser.post_id_regex, pid)
            pid = m.group(1) if m else None
        body = _own_words(item, parser)
        if not pid or not body:
            continue
        rating_raw = _text(item, parser.rating)
        try:
            rating = float(rating_raw) / parser.rating_scale if rating_raw else None
        except ValueError:
            rating = None
        lang = item.css(f"{parser.body}::attr(lang)").get() if parser.body else None
        docs.append(Document(
            doc_id=doc_id(url.split("?")[0] if source.kind == "forum" else url, pid),
            source=source.name, source_kind=source.kind, url=url, domain=domain_of(url),
            title=title, text=body,
            published=parse_time(_text(item, parser.published), source, fetched),
            fetched=fetched, author=_text(item, parser.author), post_id=pid,
            reply_to=_text(item, parser.reply_to), quote_text=_text(item, parser.quote),
            rating=rating, product=product,
            verified=bool(item.css(parser.verified)) if parser.verified else None,
            language=lang or (sel.css("html::attr(lang)").get() or None),
            parser=f"{parser.name}-v{parser.version}",
        ))
    return docs
