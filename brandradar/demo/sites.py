"""HTML, feeds and sitemaps of the four demo sites, rendered from the generated content.

Each site is a function ``path -> Page`` so the HTTP server stays a thin router. Pages carry a
``<meta charset>`` because a plain HTTP server sends no charset.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from html import escape
from urllib.parse import parse_qs, urlsplit

from brandradar.demo.content import Article, DemoWeb, Thread

SITES = ("news", "blog", "forum", "reviews")
SITE_TITLES = {"news": "Rad-Kurier", "blog": "Pedal Notes", "forum": "Velo-Forum",
               "reviews": "BikeCheck Reviews"}
THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 5


@dataclass
class Page:
    """One HTTP response of the demo web."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _html(title: str, body: str, lang: str, site: str, head: str = "") -> Page:
    doc = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>{head}</head><body>"
        f'<header><a href="/">{SITE_TITLES[site]}</a> · <nav><a href="/">Start</a> '
        f'<a href="/intern/login">Login</a></nav></header>'
        f"{body}<footer>© {SITE_TITLES[site]} · Impressum · Datenschutz · Kontakt</footer>"
        "</body></html>"
    )
    return Page(200, "text/html; charset=utf-8", doc.encode("utf-8"))


def _iso(d: datetime) -> str:
    return d.isoformat().replace("+00:00", "Z")


def _not_found() -> Page:
    return Page(404, "text/html; charset=utf-8", b"<!doctype html><title>404</title>Not found")


def _robots(base: str, sitemap: bool) -> Page:
    lines = ["User-agent: *", "Disallow: /intern/"]
    if sitemap:
        lines.append(f"Sitemap: {base}/sitemap.xml")
    return Page(200, "text/plain", ("\n".join(lines) + "\n").encode())


def _article_page(a: Article, base: str, site: str, related: list[Article]) -> Page:
    paras = "".join(f"<p>{escape(p)}</p>" for p in a.paragraphs)
    rel = "".join(f'<li><a href="{r.path}">{escape(r.title)}</a></li>' for r in related)
    head = (f'<link rel="canonical" href="{base}{a.path}">'
            f'<meta property="article:published_time" content="{_iso(a.published)}">'
            f'<meta name="author" content="{escape(a.author)}">')
    body = (f"<main><article><h1>{escape(a.title)}</h1>"
            f'<p class="byline">{escape(a.author)} · <time datetime="{_iso(a.published)}">'
            f"{a.published:%d.%m.%Y %H:%M}</time></p>{paras}</article>"
            f"<aside><h2>Mehr zum Thema</h2><ul>{rel}</ul></aside></main>")
    return _html(a.title, body, a.lang, site, head)


def news_site(web: DemoWeb, base: str) -> Callable[[str], Page]:
    """The German news site: home, RSS, sitemap index (one child gzipped), articles."""
    by_path = {a.path: a for a in web.news}
    latest = sorted(web.news, key=lambda a: a.published, reverse=True)

    def urlset(articles: list[Article]) -> bytes:
        urls = "".join(f"<url><loc>{base}{a.path}</loc><lastmod>{_iso(a.published)}</lastmod></url>"
                       for a in articles)
        return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
                f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>').encode()

    def handle(path: str) -> Page:
        if path == "/robots.txt":
            return _robots(base, sitemap=True)
        if path == "/":
            items = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in latest[:30])
            return _html("Rad-Kurier", f"<main><ul>{items}</ul></main>", "de", "news")
        if path == "/rss.xml":
            items = "".join(
                f"<item><title>{escape(a.title)}</title><link>{base}{a.path}</link>"
                f"<guid>{base}{a.path}</guid><pubDate>{format_datetime(a.published)}</pubDate>"
                f"<description>{escape(a.paragraphs[0])}</description></item>"
                for a in latest[:60]
            )
            rss = (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                   f"<title>Rad-Kurier</title><link>{base}/</link><description>E-Bike-News"
                   f"</description>{items}</channel></rss>")
            return Page(200, "application/rss+xml; charset=utf-8", rss.encode())
        if path == "/sitemap.xml":
            idx = (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns='
                   f'"http://www.sitemaps.org/schemas/sitemap/0.9">'
                   f"<sitemap><loc>{base}/sitemap-artikel.xml</loc></sitemap>"
                   f"<sitemap><loc>{base}/sitemap-regional.xml.gz</loc></sitemap></sitemapindex>")
            return Page(200, "application/xml", idx.encode())
        if path == "/sitemap-artikel.xml":
            return Page(200, "application/xml",
                        urlset([a for a in web.news if a.path.startswith("/artikel/")]))
        if path == "/sitemap-regional.xml.gz":
            body = gzip.compress(urlset([a for a in web.news if a.path.startswith("/regional/")]))
            return Page(200, "application/x-gzip", body)
        a = by_path.get(path)
        if a is None:
            return _not_found()
        return _article_page(a, base, "news", latest[:5])

    return handle


def blog_site(web: DemoWeb, base: str) -> Callable[[str], Page]:
    """The English blog: home and an Atom feed with every post."""
    by_path = {a.path: a for a in web.blog}
    latest = sorted(web.blog, key=lambda a: a.published, reverse=True)

    def handle(path: str) -> Page:
        if path == "/robots.txt":
            return _robots(base, sitemap=False)
        if path == "/":
            items = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in latest[:20])
            return _html("Pedal Notes", f"<main><ul>{items}</ul></main>", "en", "blog")
        if path == "/atom.xml":
            entries = "".join(
                f"<entry><title>{escape(a.title)}</title><link href=\"{a.path}\"/>"
                f"<id>tag:pedal-notes,{a.path}</id><updated>{_iso(a.published)}</updated>"
                f"<author><name>{escape(a.author)}</name></author>"
                f"<summary>{escape(a.paragraphs[0])}</summary></entry>"
                for a in latest
            )
            updated = _iso(latest[0].published)
            feed = (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
                    f'xml:base="{base}/"><title>Pedal Notes</title><id>tag:pedal-notes</id>'
                    f"<updated>{updated}</updated>{entries}</feed>")
            return Page(200, "application/atom+xml; charset=utf-8", feed.encode())
        a = by_path.get(path)
        return _article_page(a, base, "blog", latest[:5]) if a else _not_found()

    return handle


def _post_html(p_id: str, author: str, when: datetime, text: str,
               quote: tuple[str, str, str] | None) -> str:
    q = ""
    if quote:
        q = (f'<blockquote class="quote" data-quote-of="{quote[0]}"><cite>{escape(quote[1])}'
             f"</cite>{escape(quote[2])}</blockquote>")
    return (f'<article class="post" id="post-{p_id}" data-post-id="{p_id}">'
            f'<div class="meta"><span class="author">{escape(author)}</span> '
            f'<time datetime="{_iso(when)}">{when:%d.%m.%Y %H:%M}</time></div>'
            f'<div class="content">{q}<div class="text">{escape(text)}</div></div></article>')


def _classic_post_html(p_id: str, author: str, when: datetime, text: str,
                       quote: tuple[str, str, str] | None) -> str:
    """The forum's old template, still used for threads from before its software update."""
    q = ""
    if quote:
        q = (f'<div class="msg-quote" data-ref="{quote[0]}"><i>{escape(quote[1])} schrieb:</i> '
             f'<span class="q">{escape(quote[2])}</span></div>')
    return (f'<div class="msg" id="m{p_id}"><div class="msg-head"><b class="user">{escape(author)}</b>'
            f' <span class="date" title="{_iso(when)}">{when:%d.%m.%y}</span></div>'
            f'{q}<div class="msg-body">{escape(text)}</div></div>')


def classic_layout(thread_id: int) -> bool:
    """Every third thread is old enough to be shown in the classic template."""
    return thread_id % 3 == 0


def forum_site(web: DemoWeb, base: str) -> Callable[[str], Page]:
    """The forum: boards (de, ru) with paginated thread lists, paginated threads."""
    threads = {t.thread_id: t for t in web.threads}

    def board(lang: str, page: int) -> Page:
        ts = sorted((t for t in web.threads if t.board == lang),
                    key=lambda t: t.posts[-1].published, reverse=True)
        pages = max(1, -(-len(ts) // THREADS_PER_PAGE))
        if page > pages:
            return _not_found()
        chunk = ts[(page - 1) * THREADS_PER_PAGE : page * THREADS_PER_PAGE]
        rows = "".join(f'<li><a class="thread-link" href="/thread/{t.thread_id}">'
                       f"{escape(t.title)}</a> ({len(t.posts)})</li>" for t in chunk)
        nxt = f'<a class="next" rel="next" href="/board/{lang}?page={page + 1}">»</a>' \
            if page < pages else ""
        return _html(f"Board {lang}", f"<main><ul class=threads>{rows}</ul>{nxt}</main>", lang,
                     "forum")

    def thread(t: Thread, page: int) -> Page:
        pages = max(1, -(-len(t.posts) // POSTS_PER_PAGE))
        if page > pages:
            return _not_found()
        chunk = t.posts[(page - 1) * POSTS_PER_PAGE : page * POSTS_PER_PAGE]
        render = _classic_post_html if classic_layout(t.thread_id) else _post_html
        posts = "".join(render(p.post_id, p.author, p.published, p.text, p.quote) for p in chunk)
        nxt = f'<a class="next" rel="next" href="/thread/{t.thread_id}?page={page + 1}">Weiter</a>' \
            if page < pages else ""
        body = f'<main><h1 class="thread-title">{escape(t.title)}</h1>{posts}{nxt}</main>'
        return _html(t.title, body, t.board, "forum")

    def handle(path: str) -> Page:
        parts = urlsplit(path)
        page = int(parse_qs(parts.query).get("page", ["1"])[0] or 1)
        if parts.path == "/robots.txt":
            return _robots(base, sitemap=False)
        if parts.path == "/":
            return _html("Velo-Forum", '<main><a href="/board/de">Deutsch</a> '
                         '<a href="/board/ru">Русский</a></main>', "de", "forum")
        if parts.path.startswith("/board/"):
            lang = parts.path.rsplit("/", 1)[1]
            return board(lang, page) if lang in ("de", "ru") else _not_found()
        if parts.path.startswith("/thread/"):
            tail = parts.path.rsplit("/", 1)[1]
            t = threads.get(int(tail)) if tail.isdigit() else None
            return thread(t, page) if t else _not_found()
        return _not_found()

    return handle


_REVIEWS_JS = """
// Reviews are rendered in the browser only: a plain HTTP fetch of the page sees none of them.
(async () => {
  const box = document.getElementById('reviews');
  const res = await fetch('/api/reviews/' + box.dataset.product + '.json');
  const data = await res.json();
  // Five reviews at first; a "load more" button adds five at a time, as review sites do.
  let shown = 0;
  const more = document.createElement('button');
  more.className = 'load-more';
  more.textContent = 'Mehr Bewertungen laden';
  more.addEventListener('click', () => showNext());
  const showNext = () => {
    for (const r of data.reviews.slice(shown, shown + 5)) box.append(renderReview(r));
    shown = Math.min(shown + 5, data.reviews.length);
    if (shown >= data.reviews.length) more.remove();
  };
  box.after(more);
  showNext();
  box.dataset.loaded = 'true';
})();

function renderReview(r) {
  const el = document.createElement('div');
  el.className = 'review';
  el.dataset.reviewId = r.id;
  const stars = document.createElement('span');
  stars.className = 'stars';
  stars.dataset.rating = String(r.rating);
  stars.textContent = '★'.repeat(r.rating) + '☆'.repeat(5 - r.rating);
  const author = document.createElement('span');
  author.className = 'reviewer';
  author.textContent = r.author;
  const time = document.createElement('time');
  time.dateTime = r.published;
  time.textContent = r.published.slice(0, 10);
  const text = document.createElement('p');
  text.className = 'review-text';
  text.lang = r.lang;
  text.textContent = r.text;
  el.append(stars, ' ', author, ' ', time);
  if (r.verified) {
    const v = document.createElement('span');
    v.className = 'verified';
    v.textContent = ' verified purchase';
    el.append(v);
  }
  el.append(text);
  return el;
}
"""


def reviews_site(web: DemoWeb, base: str) -> Callable[[str], Page]:
    """The review site: a static product list; reviews come from a JSON API via JavaScript."""
    products = {p.product_id: p for p in web.products}

    def handle(path: str) -> Page:
        if path == "/robots.txt":
            return _robots(base, sitemap=False)
        if path in ("/", "/products"):
            rows = "".join(f'<li><a class="product-link" href="/product/{p.product_id}">'
                           f"{escape(p.name)}</a></li>" for p in web.products)
            return _html("BikeCheck", f"<main><ul>{rows}</ul></main>", "en", "reviews")
        if path == "/static/reviews.js":
            return Page(200, "text/javascript; charset=utf-8", _REVIEWS_JS.encode())
        if path.startswith("/product/"):
            p = products.get(path.rsplit("/", 1)[1])
            if p is None:
                return _not_found()
            body = (f'<main><h1 class="product-name">{escape(p.name)}</h1>'
                    f'<div id="reviews" data-product="{p.product_id}"></div></main>'
                    '<script src="/static/reviews.js"></script>')
            return _html(p.name, body, "en", "reviews")
        if path.startswith("/api/reviews/") and path.endswith(".json"):
            p = products.get(path.rsplit("/", 1)[1][: -len(".json")])
            if p is None:
                return _not_found()
            data = {"product": p.name, "reviews": [
                {"id": r.review_id, "author": r.author, "published": _iso(r.published),
                 "rating": r.rating, "text": r.text, "verified": r.verified, "lang": r.lang}
                for r in p.reviews]}
            return Page(200, "application/json", json.dumps(data, ensure_ascii=False).encode())
        return _not_found()

    return handle


SITE_BUILDERS: dict[str, Callable[[DemoWeb, str], Callable[[str], Page]]] = {
    "news": news_site, "blog": blog_site, "forum": forum_site, "reviews": reviews_site,
}
