"""What a source declares: name, kind, languages, discovery, browser use, optional parser.

A source is data, not code: a generic feed or sitemap source is one entry in the project config,
a source with its own selectors is one small file in ``crawlers/sources/``. The generic spiders in
``crawlers/spiders/`` read these declarations and do the crawling.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, Literal

from cssselect import SelectorError
from parsel.csstranslator import css2xpath
from pydantic import BaseModel, ConfigDict, Field, model_validator

log = logging.getLogger(__name__)

Kind = Literal["news", "blog", "forum", "review"]
# Forum engines with a preset parser (crawlers/engines.py), and "auto" for detection per page.
Engine = Literal["phpbb", "vbulletin", "xenforo", "discourse", "invision", "smf", "mybb", "auto"]
# Languages the enrich stage scores (brand matching runs on every language; sentiment and key
# phrases only on these).
SCORED_LANGUAGES = ("de", "ru", "en")
# What a post body leaves out by default: the markup forum engines use for quotes, code and
# signatures (quotes as <blockquote> or a .quote box, code as <pre>/<code> in phpBB's .codebox,
# signatures as .signature).
DEFAULT_EXCLUDE = ("blockquote", ".quote", "pre", "code", ".codebox", ".signature")


def _compile_css(selector: str, where: str) -> None:
    """Compile one CSS selector now, so a typo stops the config load (naming ``where``)
    instead of failing after a whole crawl."""
    try:
        css2xpath(selector)
    except SelectorError as exc:
        raise ValueError(f"{where}: invalid CSS selector {selector!r} ({exc})") from exc


def _check_css(owner: BaseModel, fields: tuple[str, ...]) -> None:
    """Compile the CSS selectors of ``fields`` that are set (one selector or a list of
    fallbacks)."""
    for field in fields:
        value = getattr(owner, field)
        for n, selector in enumerate([value] if isinstance(value, str) else value or []):
            _compile_css(selector, field if isinstance(value, str) else f"{field}.{n}")


def _check_regex(owner: BaseModel, fields: tuple[str, ...]) -> None:
    """Compile the regular expressions of ``fields`` that are set; each needs one group."""
    for field in fields:
        pattern = getattr(owner, field)
        if pattern is None:
            continue
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{field}: invalid regular expression {pattern!r} ({exc})") from exc
        if compiled.groups < 1:
            raise ValueError(f"{field}: {pattern!r} needs a group ( ) around the part to keep")


# A field's selector, or a list of selectors tried in order (the first that finds something wins):
# one preset then serves several versions of an engine's templates.
Selectors = str | list[str]


class Listing(BaseModel):
    """Listing pages (boards, archives): links to follow and a next-page link.

    ``thread_next`` is the next-page link inside a followed page (forum thread pagination).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    start_urls: list[str]
    link: str
    next: str | None = None
    thread_next: str | None = None
    max_pages: int = 200

    @model_validator(mode="after")
    def _selectors(self) -> Listing:
        _check_css(self, ("link", "next", "thread_next"))
        return self


class Browser(BaseModel):
    """Pages that only a browser renders: reached from static listing pages, then rendered.

    After ``wait_for`` appears the page is scrolled ``scrolls`` times, then the ``click``
    selector ("load more") is clicked until it disappears, at most ``clicks`` times.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    start_urls: list[str]
    link: str
    next: str | None = None
    wait_for: str
    scrolls: int = 0
    click: str | None = None
    clicks: int = 50
    click_wait_ms: int = 5000

    @model_validator(mode="after")
    def _selectors(self) -> Browser:
        _check_css(self, ("link", "next"))
        return self


class Parser(BaseModel):
    """CSS selectors for pages that hold several documents (forum posts, reviews).

    ``item`` selects one post/review; the other selectors are relative to it. Attribute values
    use Scrapy's ``::attr(name)`` syntax.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    version: str
    item: str
    post_id: Selectors
    # When the id sits inside a longer value (id="p123"), the first group of this pattern.
    post_id_regex: str | None = None
    body: str
    title: Selectors | None = None
    author: Selectors | None = None
    published: Selectors | None = None
    # The date inside a longer text ("« Reply #1 on: June 05, 2018, 10:44:12 am »"): group 1.
    published_regex: str | None = None
    quote: Selectors | None = None
    reply_to: Selectors | None = None
    reply_to_regex: str | None = None
    # A rating as a number ("4", "4,5"), inside a text ("5,0 su 5 stelle" with
    # rating_regex "([\\d,.]+) su") or in an attribute ("::attr(class)" with "star-(\\d)").
    rating: Selectors | None = None
    rating_regex: str | None = None
    rating_scale: float = 5.0
    product: Selectors | None = None
    verified: Selectors | None = None
    # Parts of a post's body that are not its author's words: quoted posts, code boxes,
    # signatures. Their text never reaches the brand matcher (the ``quote`` selector's element is
    # left out too).
    exclude: list[str] = Field(default_factory=lambda: list(DEFAULT_EXCLUDE))

    @model_validator(mode="after")
    def _selectors(self) -> Parser:
        _check_css(self, ("item", "post_id", "body", "title", "author", "published", "quote",
                          "reply_to", "rating", "product", "verified"))
        for n, selector in enumerate(self.exclude):
            _compile_css(selector, f"exclude.{n}")
        if "::" in self.body:
            raise ValueError(f"body: {self.body!r} selects text; select the post's element "
                             "(drop '::text'): its text is taken without quotes and code")
        _check_regex(self, ("post_id_regex", "published_regex", "reply_to_regex", "rating_regex"))
        return self


def source_title(source: str, names: Mapping[str, str]) -> str:
    """The name people read for a source id: its display name in ``names``, else the id with
    spaces (a source removed from the config keeps its data and is still shown)."""
    return names.get(source) or source.replace("_", " ")


class Source(BaseModel):
    """One source as declared in a source file or in the project config."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    kind: Kind
    # How dashboards, reports and exports name the source ("Heise Forum"); the id stays the key.
    display_name: str | None = Field(default=None, min_length=1, max_length=80)
    languages: list[str] = Field(default_factory=list)
    feeds: list[str] = Field(default_factory=list)
    sitemaps: list[str] = Field(default_factory=list)
    listing: Listing | None = None
    browser: Browser | None = None
    parser: Parser | None = None
    # Parsers of older layouts, newest first: pages the current parser finds nothing on (old
    # threads, archived pages being re-processed) are tried with these.
    previous_parsers: list[Parser] = Field(default_factory=list)
    weight: float = 1.0
    page_budget: int | None = None
    # How the source writes dates when they are not ISO 8601: a ``strptime`` format
    # ("%d.%m.%Y %H:%M"), or a dateparser locale ("it", "de-AT"); by default dates are read in
    # the source's languages.
    date_format: str | None = None
    locale: str | None = None
    # A forum engine whose preset parser reads the pages (``parser`` then only overrides single
    # fields), or "auto": each page is read by the schema.org markup or the engine it shows.
    engine: Engine | None = None
    # What selectors cannot express: "module:function" or "file.py:function" (next to the
    # project config), called as function(documents, page, url) -> documents.
    hook: str | None = Field(default=None, pattern=r"^[\w./-]+:[A-Za-z_]\w*$")

    @property
    def title(self) -> str:
        """The name people read: ``display_name``, else the id with spaces."""
        return self.display_name or source_title(self.name, {})

    @model_validator(mode="before")
    @classmethod
    def _engine_preset(cls, data: Any) -> Any:
        """``engine: phpbb`` with a partial ``parser:`` → the preset with those fields replaced."""
        if not isinstance(data, dict) or data.get("engine") in (None, "auto"):
            return data
        from brandradar.crawlers.engines import PRESETS

        engine = data["engine"]
        if engine not in PRESETS:
            return data  # the Literal check names the allowed engines
        override = data.get("parser")
        if isinstance(override, Parser):
            override = override.model_dump(exclude_unset=True)
        merged = {**PRESETS[engine].parser.model_dump(), **(override or {})}
        return {**data, "parser": merged}

    @model_validator(mode="after")
    def _has_discovery(self) -> Source:
        if not (self.feeds or self.sitemaps or self.listing or self.browser):
            raise ValueError(f"source {self.name!r} declares no way to discover pages")
        for lang in self.languages:
            if lang not in SCORED_LANGUAGES:
                log.warning("source %s: language %r is not scored (only %s): its brand "
                            "mentions are found and counted, their sentiment stays 'unscored'",
                            self.name, lang, ", ".join(SCORED_LANGUAGES))
        return self

    @property
    def multi_post(self) -> bool:
        """Whether this source's pages hold several posts or reviews (not one article)."""
        return self.parser is not None or self.engine is not None

    @property
    def needs_browser(self) -> bool:
        """Whether any page of this source has to be rendered by a browser."""
        return self.browser is not None

    def discovery(self) -> str:
        """A short human description of how pages are found."""
        parts = []
        if self.feeds:
            parts.append("feed")
        if self.sitemaps:
            parts.append("sitemap")
        if self.listing:
            parts.append("listing")
        if self.browser:
            parts.append("browser")
        return "+".join(parts)
