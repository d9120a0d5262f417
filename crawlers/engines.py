"""Presets for the common forum engines, and telling from a page which engine made it.

Each preset is a :class:`Parser` written from the engine's own templates (phpBB's prosilver
``viewtopic_body.html``, SMF's ``Display.template.php``, MyBB's postbit templates, Discourse's
crawler view ``topics/show.html.erb``) and, for the closed engines (vBulletin, XenForo,
Invision Community), from pages of real installations; docs/sources.md lists the versions and
tests/fixtures/engines/README.md the provenance of every test page. Fields take a list of
selectors where versions of an engine differ: the first that finds something wins.

Detection reads what the engines print about themselves: ``<meta name="generator">``
(Discourse, vBulletin), the id XenForo puts on ``<html>``, phpBB's ``<body id="phpbb">``,
SMF's and MyBB's script variables and the copyright lines of phpBB and Invision Community.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsel import Selector

from brandradar.sources import DEFAULT_EXCLUDE, Parser


@dataclass(frozen=True)
class Preset:
    """One engine: its parser, and the page signals that name it."""

    engine: str
    label: str
    parser: Parser
    # CSS selectors, any of which found on a page names the engine.
    markers: tuple[str, ...]
    # A pattern over ``<meta name="generator">`` and the page's scripts/copyright text.
    text: re.Pattern[str] | None = None
    # On a board (forum) page: the links to threads, and the next board page; inside a
    # thread: its next page. What ``sources new`` writes into a new source's listing.
    thread_link: str = "a::attr(href)"
    next_page: str = "a[rel=next]::attr(href)"


def _parser(name: str, **fields: object) -> Parser:
    return Parser.model_validate({"name": f"{name}-preset", "version": "1", **fields})


PRESETS: dict[str, Preset] = {p.engine: p for p in [
    Preset("phpbb", "phpBB 3.x (prosilver and derived styles)", _parser(
        "phpbb", item="div.post[id^=p]", post_id="::attr(id)", post_id_regex=r"^p(\d+)$",
        title=["h2.topic-title a::text", "h2 a::text"],
        author=["p.author .username::text", "p.author .username-coloured::text",
                "dl.postprofile dt a::text"],
        # phpBB 3.2+ prints <time datetime>; older styles only the text after "»".
        published=["p.author time::attr(datetime)", "p.author"],
        # After the last "»" (the date follows the author); anchored at "»" or the start so
        # that a long text is scanned once, not once per position.
        published_regex=r"(?:^|»)\s*([^»]*?\d{2}:\d{2}(?:\s*[ap]m)?)\s*$",
        reply_to=["div.content blockquote cite a[data-post-id]::attr(data-post-id)"],
        body="div.content",
        exclude=[*DEFAULT_EXCLUDE, ".notice", ".attachbox"]),
        markers=("body#phpbb",), text=re.compile(r"phpBB", re.I),
        thread_link="a.topictitle::attr(href)"),
    Preset("vbulletin", "vBulletin 4 (postbit and postbit_legacy)", _parser(
        "vbulletin", item="li.postcontainer[id^=post_], li[id^=post_].postbitlegacy",
        post_id="::attr(id)", post_id_regex=r"^post_(\d+)$",
        title=["span.threadtitle a::text", "h1 span.threadtitle::text", "title::text"],
        author=[".username strong::text", ".username::text"],
        published=[".postdate .date", ".posthead .date"],
        reply_to=[".bbcode_postedby a[href*='viewpost']::attr(href)",
                  ".bbcode_postedby a::attr(href)"],
        reply_to_regex=r"(?:p=|#post)(\d+)",
        # The post's own words sit in <blockquote class="postcontent">: quotes are boxes in it.
        body="blockquote.postcontent",
        exclude=[".bbcode_container", ".bbcode_quote", ".signature", "pre", "code"]),
        markers=(), text=re.compile(r"vBulletin", re.I),
        thread_link="a.title[id^=thread_title_]::attr(href)"),
    Preset("xenforo", "XenForo 2.x", _parser(
        "xenforo", item="article.message--post", post_id=["::attr(data-content)", "::attr(id)"],
        post_id_regex=r"post-(\d+)",
        title=["h1.p-title-value::text", "h1::text"],
        author=["::attr(data-author)", "h4.message-name .username::text"],
        published=[".message-attribution-main time::attr(datetime)", "time.u-dt::attr(datetime)"],
        reply_to=["blockquote.bbCodeBlock--quote::attr(data-source)"],
        reply_to_regex=r"post:\s*(\d+)",
        body="article.message-body .bbWrapper",
        exclude=[".bbCodeBlock--quote", ".bbCodeBlock--code", ".bbCodeBlock--unfurl",
                 *DEFAULT_EXCLUDE]),
        markers=("html#XF", "html#XenForo"),
        thread_link=".structItem-title a[href*='/threads/']::attr(href)",
        next_page="a.pageNav-jump--next::attr(href)"),
    Preset("discourse", "Discourse (the crawler view every topic serves without JavaScript)",
           _parser(
        "discourse", item="div.crawler-post[id^=post_], div[itemtype$=DiscussionForumPosting]"
        " > div[id^=post_]",
        post_id="::attr(id)", post_id_regex=r"^post_(\d+)$",
        title=["#topic-title h1 a::text", "#topic-title h1::text", "h1::text"],
        author=[".creator [itemprop=name]::text", ".creator a::text",
                "[itemprop=author]::text"],
        published=["time.post-time::attr(datetime)", "[itemprop=datePublished]::attr(datetime)",
                   "[itemprop=datePublished]::attr(content)", ".crawler-post-infos"],
        reply_to=["aside.quote::attr(data-post)"],
        body="div.post",
        exclude=["aside.quote", "aside.onebox", *DEFAULT_EXCLUDE]),
        markers=(), text=re.compile(r"^Discourse\b"),
        thread_link="a.raw-topic-link::attr(href)"),
    Preset("invision", "Invision Community 4.x", _parser(
        "invision", item="article[id^=elComment_]", post_id="::attr(id)",
        post_id_regex=r"^elComment_(\d+)$",
        title=["h1.ipsType_pageTitle"],
        author=["h3.cAuthorPane_author a::text", "h3.cAuthorPane_author strong::text",
                ".cAuthorPane_author"],
        published=[".ipsComment_meta time::attr(datetime)", "time::attr(datetime)"],
        reply_to=["blockquote.ipsQuote::attr(data-ipsquote-contentcommentid)"],
        body="div[data-role=commentContent]",
        exclude=["blockquote.ipsQuote", "[data-role=memberSignature]", *DEFAULT_EXCLUDE]),
        markers=("[data-role=commentContent]",), text=re.compile(r"Invision|IP\.Board"),
        thread_link=".ipsDataItem_title a[href*='/topic/']::attr(href)",
        next_page="li.ipsPagination_next a::attr(href)"),
    Preset("smf", "Simple Machines Forum 2.0 and 2.1", _parser(
        "smf", item="div.post_wrapper", post_id=".post .inner::attr(id)",
        post_id_regex=r"msg_(\d+)",
        title=["#top_subject::text"],
        author=[".poster h4 a::text", ".poster h4::text"],
        published=[".postinfo a.smalltext", ".keyinfo .smalltext"],
        published_regex=r"([A-Z][a-z]+ \d{1,2}, \d{4}, \d{1,2}:\d{2}(?::\d{2})?(?:\s*[apAP][mM])?)",
        reply_to=["blockquote cite a::attr(href)", ".quoteheader a::attr(href)"],
        reply_to_regex=r"msg(\d+)",
        body=".post .inner",
        exclude=[".quoteheader", ".quotefooter", ".codeheader", *DEFAULT_EXCLUDE]),
        markers=(), text=re.compile(r"Simple Machines|\bsmf_(?:theme_url|scripturl)\b"),
        thread_link="span[id^=msg_] a::attr(href)",
        next_page="a.nav_page[rel=next]::attr(href)"),
    Preset("mybb", "MyBB 1.8", _parser(
        "mybb", item="div.post[id^=post_]", post_id="::attr(id)", post_id_regex=r"^post_(\d+)$",
        title=["td.thead strong::text", "title::text"],
        author=[".author_information .largetext a::text", ".author_information .largetext"],
        # "Вчера, 12:30" / "Yesterday, 12:30" is read against the fetch time; an edit note
        # "(This post was last modified: …)" after the date is cut off.
        published=[".post_date"], published_regex=r"^([^(]+)",
        reply_to=["blockquote.mycode_quote cite a::attr(href)"],
        reply_to_regex=r"pid=?(\d+)",
        body=".post_body",
        exclude=[".codeblock", ".mycode_quote", *DEFAULT_EXCLUDE]),
        markers=(), text=re.compile(r"\bMyBB\b"),
        thread_link="span[id^=tid_] a::attr(href)",
        next_page="a.pagination_next::attr(href)"),
]}


def detect_engine(page: Selector) -> str | None:
    """The engine that rendered ``page``, or None when it shows none of the known signs."""
    generator = " ".join(page.css('meta[name="generator"]::attr(content)').getall())
    # What engines print about themselves: scripts' globals and copyright/footer lines.
    signs = " ".join([generator, *page.css('meta[name="copyright"]::attr(content)').getall(),
                      *page.css("[class*=copyright] ::text, [id*=copyright] ::text").getall(),
                      *page.css("#footer ::text, .footer ::text").getall()[:40],
                      *(s[:2000] for s in page.css("script:not([src])::text").getall()[:10])])
    for preset in PRESETS.values():
        if any(page.css(marker) for marker in preset.markers):
            return preset.engine
    if generator:
        for preset in PRESETS.values():
            if preset.text is not None and preset.text.search(generator):
                return preset.engine
    for preset in PRESETS.values():
        if preset.text is not None and preset.text.search(signs):
            return preset.engine
    return None
