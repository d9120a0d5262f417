"""Tools for engineers who add sources: the skeleton of a new source, and a live layout check.

``new`` writes the source file, a recorded page with its meta data, the parser's first output
as the golden file (to be read and corrected by a person), and regenerates the sources table.
``check`` fetches a source's recorded URL live and compares which golden fields the parser still
fills: a field that turns empty means the site's layout changed.
"""

from __future__ import annotations

import importlib.util
import json
import re
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from brandradar.crawlers.parsers import decode_html, extract_article, extract_posts
from brandradar.crawlers.safety import refusal
from brandradar.errors import ConfigError, PermanentError
from brandradar.settings import Settings
from brandradar.sources import Source

GOLDEN_FIELDS = ["title", "text", "published", "author", "post_id", "reply_to", "quote_text",
                 "rating", "product", "verified", "language", "parser"]

_TEMPLATES = {
    "feed": '''"""{title}: {kind} discovered through its feed."""

from brandradar.sources import Source

SOURCE = Source(
    name="{name}",
    kind="{kind}",
    languages=[{langs}],
    feeds=["{url}"],
)
''',
    "article": '''"""{title}: {kind}; articles found through the site's sitemap."""

from brandradar.sources import Source

SOURCE = Source(
    name="{name}",
    kind="{kind}",
    languages=[{langs}],
    sitemaps=["{root}/sitemap.xml"],  # check robots.txt for the real sitemap URL
)
''',
    "forum": '''"""{title}: forum threads over several pages. Adjust the selectors to the site."""

from brandradar.sources import Listing, Parser, Source

THREAD_LINK = "a.thread-link::attr(href)"
NEXT_PAGE = "a[rel=next]::attr(href)"

POST = "article.post"
POST_ID = "::attr(data-post-id)"
AUTHOR = ".author::text"
PUBLISHED = "time::attr(datetime)"
QUOTE = "blockquote::text"
REPLY_TO = "blockquote::attr(data-quote-of)"
BODY = ".text"
TITLE = "h1"

SOURCE = Source(
    name="{name}",
    kind="forum",
    languages=[{langs}],
    listing=Listing(start_urls=["{url}"], link=THREAD_LINK, next=NEXT_PAGE, thread_next=NEXT_PAGE),
    parser=Parser(name="{name}", version="1", item=POST, post_id=POST_ID, title=TITLE,
                  author=AUTHOR, published=PUBLISHED, quote=QUOTE, reply_to=REPLY_TO, body=BODY),
)
''',
    "review": '''"""{title}: product reviews. Adjust the selectors; add browser=Browser(...) if the
reviews are rendered by JavaScript."""

from brandradar.sources import Listing, Parser, Source

PRODUCT_LINK = "a.product-link::attr(href)"

REVIEW = "div.review"
REVIEW_ID = "::attr(data-review-id)"
RATING = ".stars::attr(data-rating)"
AUTHOR = ".reviewer::text"
PUBLISHED = "time::attr(datetime)"
VERIFIED = ".verified"
TEXT = ".review-text"
PRODUCT = "h1"

SOURCE = Source(
    name="{name}",
    kind="review",
    languages=[{langs}],
    listing=Listing(start_urls=["{url}"], link=PRODUCT_LINK),
    parser=Parser(name="{name}", version="1", item=REVIEW, post_id=REVIEW_ID, title=PRODUCT,
                  author=AUTHOR, published=PUBLISHED, rating=RATING, rating_scale=5.0,
                  product=PRODUCT, verified=VERIFIED, body=TEXT),
)
''',
}


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    """Every redirect hop passes the address guard too."""

    def __init__(self, allow: frozenset[str]) -> None:
        self.allow = allow

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:
        reason = refusal(newurl, self.allow)
        if reason:
            raise ConfigError(f"{req.full_url}: redirect to {newurl} refused ({reason})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, settings: Settings) -> tuple[bytes, str | None]:
    """One page, through the same address guard as the crawler (redirects included)."""
    allow = frozenset(h.lower() for h in settings.allow_private_hosts)
    reason = refusal(url, allow)
    if reason:
        raise ConfigError(f"{url}: refused ({reason})")
    req = urllib.request.Request(url, headers={"User-Agent": settings.ua()})
    opener = urllib.request.build_opener(_GuardedRedirects(allow))
    try:
        with opener.open(req, timeout=settings.download_timeout) as resp:
            body = resp.read(settings.download_maxsize + 1)
            ctype = resp.headers.get("Content-Type")
    except OSError as exc:
        raise ConfigError(f"{url}: cannot fetch ({exc})") from exc
    if len(body) > settings.download_maxsize:
        raise ConfigError(f"{url}: larger than download_maxsize")
    return body, ctype


def parse(source: Source, html: str, url: str) -> list[dict[str, Any]]:
    """Golden-file rows of one page, as the source's parser (or trafilatura) sees it."""
    fetched = datetime.now(UTC)
    docs = (extract_posts(html, url, source, fetched) if source.parser
            else [extract_article(html, url, source, fetched)])
    return [{k: (v.isoformat() if isinstance(v, datetime) else v)
             for k, v in d.to_row().items() if k in GOLDEN_FIELDS} for d in docs]


def new_source(name: str, url: str, kind: str, root: Path, settings: Settings,
               languages: list[str] | None = None) -> list[Path]:
    """Write the skeleton of a source under the repository ``root``; return the files written."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ConfigError(f"source name {name!r}: use lower-case letters, digits and _")
    src_file = root / "crawlers" / "sources" / f"{name}.py"
    if src_file.exists():
        raise ConfigError(f"{src_file}: exists already")
    body, ctype = fetch(url, settings)
    is_feed = bool(ctype and re.search(r"xml|rss|atom", ctype)) and kind in ("news", "blog")
    template = "feed" if is_feed else kind if kind in ("forum", "review") else "article"
    parts = url.split("/")
    text = _TEMPLATES[template].format(
        name=name, kind=kind, url=url, root="/".join(parts[:3]), title=name.replace("_", " "),
        langs=", ".join(f'"{lang}"' for lang in languages or []))
    src_file.write_text(text, "utf-8")
    pages = root / "tests" / "fixtures" / "pages" / name
    pages.mkdir(parents=True, exist_ok=True)
    (pages / "page.html").write_bytes(body)
    (pages / "meta.json").write_text(json.dumps(
        {"url": url, "recorded": date.today().isoformat(), "how": "brandradar sources new",
         "golden_checked_by_a_person": False}, indent=1) + "\n", "utf-8")
    source = load_source_file(src_file)
    try:
        rows = [] if is_feed else parse(source, decode_html(body, ctype), url)
    except PermanentError:
        rows = []
    (pages / "expected.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n",
                                         "utf-8")
    return [src_file, pages / "page.html", pages / "meta.json", pages / "expected.json"]


def load_source_file(path: Path) -> Source:
    """``SOURCE`` of a source file anywhere on disk."""
    spec = importlib.util.spec_from_file_location(f"_brandradar_source_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{path}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    source = getattr(module, "SOURCE", None)
    if not isinstance(source, Source):
        raise ConfigError(f"{path}: does not define SOURCE = Source(...)")
    return source


def check_source(source: Source, pages: Path, settings: Settings) -> list[str]:
    """Fetch the recorded URL live; name every golden field the parser no longer fills."""
    meta = json.loads((pages / "meta.json").read_text("utf-8"))
    golden = json.loads((pages / "expected.json").read_text("utf-8"))
    body, ctype = fetch(meta["url"], settings)
    try:
        live = parse(source, decode_html(body, ctype), meta["url"])
    except PermanentError as exc:
        return [f"no documents any more: {exc}"]
    filled = {k for row in golden for k, v in row.items() if v not in (None, "", [])}
    still = {k for row in live for k, v in row.items() if v not in (None, "", [])}
    return [f"field {k!r} is empty on the live page (was filled in the recording)"
            for k in sorted(filled - still)]
