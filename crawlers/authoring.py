"""Tools for people who add sources: a new source from one page, and what a parser makes of
its recordings.

``new`` fetches one page (a feed, an article, a forum thread or a review page), tells what it is
— a feed, a page of a known forum engine, a page with schema.org posts or reviews, an article —
and writes the source as YAML into the project's ``sources/`` folder, with the page recorded
beside it and the parser's first output as the golden file (to be read by a person).
``test`` prints what the parser makes of a source's recordings and compares it with the golden
file; ``check`` fetches the recorded URL live and names the golden fields the parser no longer
fills (the site's layout changed).
"""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from parsel import Selector

from brandradar.crawlers.engines import PRESETS, detect_engine
from brandradar.crawlers.parsers import (
    decode_html,
    extract_article,
    extract_posts,
    run_hook,
    structured_posts,
)
from brandradar.crawlers.safety import refusal
from brandradar.crawlers.sources import SOURCES_FOLDER, load_yaml_source
from brandradar.errors import ConfigError, PermanentError
from brandradar.settings import Settings
from brandradar.sources import Source

GOLDEN_FIELDS = ["title", "text", "published", "author", "post_id", "reply_to", "quote_text",
                 "rating", "product", "verified", "language", "parser"]


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
    """Golden-file rows of one page, as the extract stage sees it: the source's post parser
    (declared or engine preset), else the article extractor; then the source's hook."""
    fetched = datetime.now(UTC)
    docs = extract_posts(html, url, source, fetched) if source.multi_post else \
        run_hook(source, [extract_article(html, url, source, fetched)], html, url)
    return [{k: (v.isoformat() if isinstance(v, datetime) else v)
             for k, v in d.to_row().items() if k in GOLDEN_FIELDS} for d in docs]


@dataclass
class PageKind:
    """What ``sources new`` found the recorded page to be."""

    what: str  # "feed", "engine", "schema.org", "selectors" or "article"
    engine: str | None = None
    notes: list[str] = field(default_factory=list)


def classify(body: bytes, ctype: str | None, url: str, kind: str) -> PageKind:
    """Tell a feed, a page of a known engine, a page with schema.org posts and an article."""
    head = body[:2000].lstrip().lower()
    if (ctype and re.search(r"xml|rss|atom", ctype)) or head.startswith((b"<?xml", b"<rss",
                                                                          b"<feed")):
        return PageKind("feed")
    sel = Selector(text=decode_html(body, ctype))
    engine = detect_engine(sel)
    if engine is not None:
        return PageKind("engine", engine, [f"the page names its engine: {PRESETS[engine].label}"])
    probe = Source(name="probe", kind="forum", feeds=[url])
    if structured_posts(sel, url, probe, datetime.now(UTC)):
        return PageKind("schema.org", "auto", ["the page describes its posts with schema.org"])
    if kind in ("forum", "review"):
        return PageKind("selectors", notes=["no known engine and no schema.org posts: write the "
                                            "selectors of one post (see docs/sources.md)"])
    return PageKind("article")


def source_yaml(name: str, kind: str, url: str, found: PageKind,
                languages: list[str] | None) -> str:
    """The YAML of a new source for what ``classify`` found."""
    root = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    data: dict[str, Any] = {"name": name, "kind": kind, "languages": languages or []}
    head = f"# {name}: written by 'brandradar sources new' from {url}\n"
    if found.what == "feed":
        data["feeds"] = [url]
    elif found.what == "article":
        data["sitemaps"] = [f"{root}/sitemap.xml"]
        head += "# Check robots.txt for the site's real sitemap URL.\n"
    else:
        preset = PRESETS.get(found.engine or "")
        link = preset.thread_link if preset else "a.thread-link::attr(href)"
        nxt = preset.next_page if preset else "a[rel=next]::attr(href)"
        data["listing"] = {"start_urls": [f"{root}/"], "link": link, "next": nxt,
                           "thread_next": nxt}
        head += ("# listing.start_urls: the board or product-list pages whose threads/reviews "
                 "to follow.\n")
        if found.engine is not None:
            data["engine"] = found.engine
            head += ("# The engine preset reads every post; a 'parser:' block here overrides "
                     "single fields of it.\n")
        else:
            data["parser"] = {"name": name, "version": "1", "item": "article.post",
                              "post_id": "::attr(id)", "body": ".text", "author": ".author::text",
                              "published": "time::attr(datetime)", "title": "h1::text"}
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def new_source(name: str, url: str, kind: str, folder: Path, settings: Settings,
               languages: list[str] | None = None) -> tuple[list[Path], PageKind]:
    """Write ``<folder>/sources/<name>.yaml`` and its recording; return the files written."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ConfigError(f"source name {name!r}: use lower-case letters, digits and _")
    src_file = folder / SOURCES_FOLDER / f"{name}.yaml"
    if src_file.exists():
        raise ConfigError(f"{src_file}: exists already")
    body, ctype = fetch(url, settings)
    found = classify(body, ctype, url, kind)
    src_file.parent.mkdir(parents=True, exist_ok=True)
    src_file.write_text(source_yaml(name, kind, url, found, languages), "utf-8")
    source = load_yaml_source(src_file)
    pages = folder / SOURCES_FOLDER / name
    pages.mkdir(parents=True, exist_ok=True)
    (pages / "page.html").write_bytes(body)
    (pages / "meta.json").write_text(json.dumps(
        {"url": url, "recorded": date.today().isoformat(), "how": "brandradar sources new",
         "golden_checked_by_a_person": False}, indent=1) + "\n", "utf-8")
    try:
        rows = [] if found.what == "feed" else parse(source, decode_html(body, ctype), url)
    except PermanentError:
        rows = []
    (pages / "expected.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n",
                                         "utf-8")
    return [src_file, pages / "page.html", pages / "meta.json", pages / "expected.json"], found


def recordings(pages: Path) -> list[Path]:
    """The recording folders under ``pages`` (each with page.html and meta.json)."""
    return sorted({p.parent for p in pages.rglob("meta.json") if (p.parent / "page.html").exists()})


@dataclass
class Tested:
    """What a parser made of one recording, and how it differs from the golden file."""

    folder: Path
    rows: list[dict[str, Any]]
    differences: list[str]
    error: str | None = None


def test_source(source: Source, pages: Path, write: bool = False) -> list[Tested]:
    """Parse every recording of ``source`` under ``pages``; compare with (or, with ``write``,
    rewrite) each recording's expected.json."""
    found = recordings(pages)
    if not found:
        raise ConfigError(f"{pages}: no recordings (page.html with meta.json); record one with "
                          "'brandradar sources new'")
    out = []
    for folder in found:
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        html = decode_html((folder / "page.html").read_bytes(), None)
        try:
            rows = parse(source, html, meta["url"])
        except PermanentError as exc:
            out.append(Tested(folder, [], [], str(exc)))
            continue
        golden_path = folder / "expected.json"
        if write:
            golden_path.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", "utf-8")
            out.append(Tested(folder, rows, []))
            continue
        golden = json.loads(golden_path.read_text("utf-8")) if golden_path.exists() else None
        out.append(Tested(folder, rows, _differences(golden, rows)))
    return out


def _differences(golden: list[dict[str, Any]] | None, rows: list[dict[str, Any]]) -> list[str]:
    if golden is None:
        return ["no expected.json yet (write it with --write, then read it)"]
    diffs = []
    if len(golden) != len(rows):
        diffs.append(f"{len(rows)} documents, expected.json has {len(golden)}")
    # published is compared as written; fields not in the golden file are new, not different.
    for n, (want, got) in enumerate(zip(golden, rows, strict=False)):
        for key in sorted(set(want) & set(got)):
            if key != "parser" and want[key] != got[key]:
                diffs.append(f"document {n + 1} ({got.get('post_id') or 'article'}): {key} "
                             f"{_short(want[key])} → {_short(got[key])}")
    return diffs


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…\""


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
