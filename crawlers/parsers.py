"""Turning one archived page into documents: a source's selector parser, or trafilatura.

Articles and blog posts go through trafilatura (main text, title, author); the publication time
comes from the page's own metadata first (``article:published_time``, ``<time datetime>``), then
the feed entry, then trafilatura's date, because trafilatura only knows the day and alerts work
per hour. Pages with several documents (forum threads, review pages) are cut into posts by the
selectors their source declares.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from parsel import Selector
from w3lib.encoding import html_to_unicode

from brandradar.crawlers.dates import common_date
from brandradar.crawlers.engines import PRESETS, detect_engine
from brandradar.crawlers.hooks import load_hook
from brandradar.crawlers.structured import (
    ARTICLE_TYPES,
    POST_TYPES,
    THREAD_TYPES,
    Entry,
    entries,
    rating_of,
)
from brandradar.errors import PermanentError
from brandradar.model import Document
from brandradar.sources import DEFAULT_EXCLUDE, Parser, Selectors, Source
from brandradar.urls import doc_id, domain_of

ARTICLE_PARSER = f"trafilatura-{trafilatura.__version__}"
# The most of a selected value a parser's regex reads (see select_text).
REGEX_INPUT_CHARS = 1000
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


# Reader polls and quizzes inside an article ("Sollten Plattformen wie Tiktok strenger reguliert
# werden?" above its answer buttons): trafilatura keeps the question as a paragraph of the text,
# where a brand in it counted as a mention. They are found by the words of an element's class or
# id, split at separators and case changes ("Article_elementPoll__0I_DP" → article, element,
# poll), so that "apollo" or "pollution" is no poll. A poll is short: a long element with such a
# class wraps the article and is kept.
_POLL_WORDS = frozenset({"poll", "polls", "survey", "quiz", "umfrage", "abstimmung", "voting",
                         "opros", "vote", "votes"})
_CLASS_WORD = re.compile(r"[A-Z]?[a-z]+")
# A class or id that holds one of the words at all (one search; most hold none).
_POLL_HINT = re.compile("|".join(sorted(_POLL_WORDS)), re.IGNORECASE)
_POLL_MAX_CHARS = 1500
_NEVER_PRUNED = {"html", "body", "main", "article"}


def _without_polls(html: str) -> Any:
    """The page's tree without its reader polls (``html`` itself when it does not parse)."""
    tree = trafilatura.utils.load_html(html)
    if tree is None:
        return html
    for element in tree.xpath("//*[@class or @id]"):
        names = f"{element.get('class', '')} {element.get('id', '')}"
        if _POLL_HINT.search(names) is None or element.tag in _NEVER_PRUNED or \
                element.getparent() is None:
            continue
        words = _CLASS_WORD.findall(names)
        if any(w.lower() in _POLL_WORDS for w in words) and \
                len(element.text_content()) <= _POLL_MAX_CHARS:
            element.drop_tree()
    return tree


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
               relative_to: datetime | None = None, page_lang: str | None = None) -> datetime | None:
    """A timestamp as an aware UTC datetime, or None when absent or unreadable.

    ISO 8601 first; then the source's ``date_format`` (``strptime`` codes) when it declares one;
    then dateparser, in the source's ``locale`` or languages, so that forum and review dates
    such as "05 Sep 2018 10:44", "14 novembre 2018" or "вчера в 10:15" (relative to
    ``relative_to``, the fetch time) are read; a source that declares no languages is read in
    the page's ``lang`` ("05.09.2018" is the 5th of September on a Russian page). A date without
    a zone is taken as UTC.
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    when: datetime | None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        when = _local_date(text, source, relative_to, page_lang)
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _local_date(text: str, source: Source | None, relative_to: datetime | None,
                page_lang: str | None) -> datetime | None:
    if source is not None and source.date_format:
        try:
            return datetime.strptime(text, source.date_format)
        except ValueError:
            return None
    locales = [source.locale] if source is not None and source.locale else None
    languages = None
    if not locales:
        languages = (source.languages if source is not None else None) or (
            [page_lang] if page_lang else None)
    first = (locales[0].split("-")[0] if locales else languages[0] if languages else None)
    quick = common_date(text, first, relative_to.replace(tzinfo=None) if relative_to else None)
    if quick is not None:
        return quick
    import dateparser  # imported here: its language data costs ~0.3 s on first use

    settings: dict[str, Any] = {"RETURN_AS_TIMEZONE_AWARE": True, "TO_TIMEZONE": "UTC",
                                "PREFER_DATES_FROM": "past"}
    if relative_to is not None:
        settings["RELATIVE_BASE"] = relative_to.replace(tzinfo=None)
    try:
        return dateparser.parse(text[:200], languages=languages, locales=locales,
                                settings=settings)
    except (ValueError, TypeError, OverflowError):
        return None


def _one(sel: Selector, css: str) -> str | None:
    node = sel.css(css)
    if not node:
        return None
    if css.endswith("::text"):
        return " ".join(t.strip() for t in node.getall() if t.strip()) or None
    if "::" in css:
        value = node.get()
        return value.strip() if value else None
    return " ".join(t.strip() for t in node.css("::text").getall() if t.strip()) or None


def select_text(sel: Selector, css: Selectors | None, regex: str | None = None) -> str | None:
    """The text a selector (or the first of a list that finds something) selects; with
    ``regex``, only its first group (None when the pattern does not match)."""
    for one in [css] if isinstance(css, str) else css or []:
        value = _one(sel, one)
        if value is not None:
            if regex is None:
                return value
            # Ids, dates, ratings are short: a regex never sees more than this, so a pattern
            # that backtracks cannot stall on a hostile page's megabyte of text.
            m = re.search(regex, value[:REGEX_INPUT_CHARS])
            return m.group(1).strip() if m else None
    return None


def _number(text: str | None) -> float | None:
    """The first number in a text, decimal comma or point ("4,5 von 5" → 4.5)."""
    m = re.search(r"\d+(?:[.,]\d+)?", text or "")
    return float(m.group(0).replace(",", ".")) if m else None


def _own_words(item: Selector, body: str, exclude: list[str]) -> str | None:
    """The text of ``body`` without what ``exclude`` names (quotes, code, signatures): other
    people's words and code are not the author's opinion."""
    # The elements are held here: lxml reuses an element's Python object only while it lives,
    # and a freed object's id() can come back as another element's.
    held = [n.root for sel in exclude for n in item.css(sel)]
    return _words_without(item.css(body), held)


def _words_without(tops: Iterable[Selector], held: list[Any]) -> str | None:
    excluded = {id(e) for e in held}
    words = []
    for node in tops:
        top = node.root
        # lxml's own text results know their element (parsel's are plain strings); the text
        # after an element (its tail) hangs on that element: start from the one containing it.
        # The body element itself is never excluded (vBulletin's body is a <blockquote>).
        for text in top.xpath(".//text()"):
            element = text.getparent()
            if text.is_tail and element is not None:
                element = element.getparent()
            while element is not None and element is not top and id(element) not in excluded:
                element = element.getparent()
            if element is None or element is top or id(element) not in excluded:
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
    raw = trafilatura.bare_extraction(_without_polls(html), url=url, with_metadata=True,
                                      favor_precision=True)
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
    # The schema.org markup is read only when the meta tags and trafilatura left the date or
    # the author open: every article passes here, most never need it.
    article = next((e for e in entries(sel) if e.type in ARTICLE_TYPES), None) \
        if not published or not result.get("author") else None
    published = published or _article_time(article, source, fetched) \
        or parse_time(feed_published, source, fetched) \
        or parse_time(result.get("date"), source, fetched)
    lang = sel.css("html::attr(lang)").get()
    return Document(
        doc_id=doc_id(url), source=source.name, source_kind=source.kind, url=url,
        domain=domain_of(url), title=(result.get("title") or "").strip(), text=text.strip(),
        published=published, fetched=fetched,
        author=result.get("author") or (article.text("author") if article else None),
        language=(lang or "").split("-")[0].lower() or None, parser=ARTICLE_PARSER,
    )


def _article_time(article: Entry | None, source: Source, fetched: datetime) -> datetime | None:
    """The schema.org ``datePublished`` of a NewsArticle/BlogPosting (JSON-LD or microdata)."""
    return parse_time(article.text("datePublished", "dateCreated"), source, fetched) \
        if article is not None else None


def extract_posts(html: str, url: str, source: Source, fetched: datetime) -> list[Document]:
    """All posts or reviews on one page, and what the source's hook makes of them.

    A declared parser first, then the parsers of older layouts. With ``engine: auto`` (and for
    sources without a parser) the page is read by the engine it names (its preset), else by
    its schema.org posts and reviews.
    """
    sel = Selector(text=html)
    parsers = [source.parser, *source.previous_parsers] if source.parser else []
    docs: list[Document] = []
    for parser in parsers:
        docs = _posts(sel, parser, url, source, fetched)
        if docs:
            break
    if not docs and (source.engine == "auto" or not parsers):
        engine = detect_engine(sel)
        if engine is not None:
            docs = _posts(sel, PRESETS[engine].parser, url, source, fetched)
        if not docs:
            docs = structured_posts(sel, url, source, fetched)
    if not docs:
        tried = ", ".join(f"{p.name} v{p.version}" for p in parsers) or "engine presets"
        raise PermanentError(f"{url}: {tried} and schema.org markup found no posts", "no_posts")
    return run_hook(source, docs, sel, url)


def extract_page(html: str, url: str, source: Source, fetched: datetime,
                 feed_published: str | None = None) -> list[Document]:
    """The documents of one page with no configuration needed: a forum thread or review page
    (declared parser, engine preset or schema.org posts) gives one document per post, any
    other page one article (an article's comments stay out: the article is the document)."""
    if source.multi_post:
        return extract_posts(html, url, source, fetched)
    sel = Selector(text=html)
    engine = detect_engine(sel)
    docs = _posts(sel, PRESETS[engine].parser, url, source, fetched) if engine else []
    if not docs:
        kinds = {e.type for e in entries(sel)}
        if not kinds & ARTICLE_TYPES or kinds & THREAD_TYPES:
            docs = structured_posts(sel, url, source, fetched)
    if docs:
        return run_hook(source, docs, sel, url)
    return run_hook(source, [extract_article(html, url, source, fetched, feed_published)], sel,
                    url)


def run_hook(source: Source, docs: list[Document], page: Selector | str,
             url: str) -> list[Document]:
    """The source's ``hook`` applied to the documents of one page (they pass unchanged when
    the source has none); a hook that fails is named with the page."""
    if source.hook is None:
        return docs
    hook = load_hook(source.hook)
    try:
        out = hook(docs, Selector(text=page) if isinstance(page, str) else page, url)
    except Exception as exc:  # a user's hook: any failure is this page's, named
        raise PermanentError(f"{url}: hook {source.hook} failed ({type(exc).__name__}: {exc})",
                             "hook_failed") from exc
    if not isinstance(out, list) or not all(isinstance(d, Document) for d in out):
        raise PermanentError(f"{url}: hook {source.hook} must return a list of Document",
                             "hook_failed")
    return out


def structured_posts(sel: Selector, url: str, source: Source,
                     fetched: datetime) -> list[Document]:
    """Documents from the page's schema.org posts, comments and reviews (JSON-LD or
    microdata); an article page (NewsArticle without posts) gives none."""
    found = [e for e in entries(sel) if e.type in POST_TYPES]
    docs: dict[str, Document] = {}
    page_title = select_text(sel, ["h1::text", "title::text"]) or ""
    page_lang = _page_lang(sel)
    for entry in found:
        if entry.body is not None:
            body = _words_without([entry.body], [n.root for css in DEFAULT_EXCLUDE
                                                 for n in entry.body.css(css)])
        else:
            body = entry.text("text", "articleBody", "reviewBody", "description")
        if not body:
            continue
        pid = entry.text("identifier", "@id", "position") or \
            hashlib.sha1(body.encode()).hexdigest()[:12]
        # An @id is a URL: its fragment ("#c-2") or last path segment names the post.
        pid = pid.rsplit("#", 1)[-1] if "#" in pid else pid.rstrip("/").rsplit("/", 1)[-1]
        docs.setdefault(pid, Document(
            doc_id=doc_id(url.split("?")[0] if source.kind == "forum" else url, pid),
            source=source.name, source_kind=source.kind, url=url, domain=domain_of(url),
            title=entry.text("headline", "name") or page_title, text=body,
            published=parse_time(entry.text("datePublished", "dateCreated"), source, fetched,
                                 page_lang),
            fetched=fetched, author=entry.text("author", "creator"), post_id=pid,
            rating=rating_of(entry),
            product=entry.text("itemReviewed"),
            language=entry.text("inLanguage") or page_lang,
            parser=f"schema.org-{entry.type}",
        ))
    return list(docs.values())


def _posts(sel: Selector, parser: Parser, url: str, source: Source,
           fetched: datetime) -> list[Document]:
    title = select_text(sel, parser.title) or ""
    product = select_text(sel, parser.product)
    page_lang = _page_lang(sel)
    exclude = [*parser.exclude, *filter(None, (_element_of(q) for q in _as_list(parser.quote)))]
    docs = []
    for item in sel.css(parser.item):
        pid = select_text(item, parser.post_id, parser.post_id_regex)
        body = _own_words(item, parser.body, exclude)
        if not pid or not body:
            continue
        rating_raw = select_text(item, parser.rating, parser.rating_regex)
        rating = _number(rating_raw)
        lang = item.css(f"{parser.body}::attr(lang)").get()
        docs.append(Document(
            doc_id=doc_id(url.split("?")[0] if source.kind == "forum" else url, pid),
            source=source.name, source_kind=source.kind, url=url, domain=domain_of(url),
            title=title, text=body,
            published=parse_time(select_text(item, parser.published, parser.published_regex), source,
                                 fetched, page_lang),
            fetched=fetched, author=select_text(item, parser.author), post_id=pid,
            reply_to=select_text(item, parser.reply_to, parser.reply_to_regex),
            quote_text=select_text(item, parser.quote),
            rating=rating / parser.rating_scale if rating is not None else None, product=product,
            verified=_found(item, parser.verified) if parser.verified else None,
            language=lang or page_lang, parser=f"{parser.name}-v{parser.version}",
        ))
    return docs


def _page_lang(sel: Selector) -> str | None:
    """The language the page declares (``<html lang="ru-RU">`` → "ru")."""
    return (sel.css("html::attr(lang)").get() or "").split("-")[0].strip().lower() or None


def _as_list(css: Selectors | None) -> list[str]:
    return [css] if isinstance(css, str) else list(css or [])


def _element_of(css: str) -> str:
    """The element part of a selector ("blockquote.quote::text" → "blockquote.quote")."""
    return css.split("::", 1)[0].strip()


def _found(item: Selector, css: Selectors) -> bool:
    return any(item.css(one) for one in _as_list(css))
