"""Velo-Forum (demo): German and Russian boards; threads spread over several pages.

Two layouts: the current template (parser v2) and the classic one that older threads still use
(parser v1); both are tested on recorded pages.
"""

from brandradar.sources import Listing, Parser, Source

THREAD_LINK = "a.thread-link::attr(href)"
NEXT_PAGE = "a.next::attr(href)"
TITLE = "h1.thread-title"


class V2:
    """The current template (since the forum's software update)."""

    POST = "article.post"
    POST_ID = "::attr(data-post-id)"
    AUTHOR = ".meta .author::text"
    PUBLISHED = ".meta time::attr(datetime)"
    QUOTE = "blockquote.quote::text"  # the quoted words, without the <cite> of their author
    REPLY_TO = "blockquote.quote::attr(data-quote-of)"
    BODY = ".content > .text"


class V1:
    """The classic template of older threads."""

    POST = "div.msg"
    POST_ID = "::attr(id)"
    POST_ID_REGEX = r"^m(\d+)$"
    AUTHOR = ".msg-head .user::text"
    PUBLISHED = ".msg-head .date::attr(title)"
    QUOTE = ".msg-quote .q::text"
    REPLY_TO = ".msg-quote::attr(data-ref)"
    BODY = ".msg-body"


SOURCE = Source(
    name="demo_velo_forum",
    display_name="Velo-Forum (demo)",
    kind="forum",
    languages=["de", "ru"],
    listing=Listing(
        start_urls=["http://127.0.0.1:8783/board/de", "http://127.0.0.1:8783/board/ru"],
        link=THREAD_LINK,
        next=NEXT_PAGE,
        thread_next=NEXT_PAGE,
    ),
    parser=Parser(name="velo_forum", version="2", item=V2.POST, post_id=V2.POST_ID, title=TITLE,
                  author=V2.AUTHOR, published=V2.PUBLISHED, quote=V2.QUOTE, reply_to=V2.REPLY_TO,
                  body=V2.BODY),
    previous_parsers=[
        Parser(name="velo_forum", version="1", item=V1.POST, post_id=V1.POST_ID,
               post_id_regex=V1.POST_ID_REGEX, title=TITLE, author=V1.AUTHOR,
               published=V1.PUBLISHED, quote=V1.QUOTE, reply_to=V1.REPLY_TO, body=V1.BODY),
    ],
)
