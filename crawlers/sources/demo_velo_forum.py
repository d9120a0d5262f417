"""Velo-Forum (demo): German and Russian boards; threads spread over several pages."""

from brandradar.sources import Listing, Parser, Source

THREAD_LINK = "a.thread-link::attr(href)"
NEXT_PAGE = "a.next::attr(href)"

POST = "article.post"
POST_ID = "::attr(data-post-id)"
AUTHOR = ".meta .author::text"
PUBLISHED = ".meta time::attr(datetime)"
QUOTE = "blockquote.quote::text"  # the quoted words, without the <cite> of their author
REPLY_TO = "blockquote.quote::attr(data-quote-of)"
BODY = ".content > .text"
TITLE = "h1.thread-title"

SOURCE = Source(
    name="demo_velo_forum",
    kind="forum",
    languages=["de", "ru"],
    listing=Listing(
        start_urls=["http://127.0.0.1:8783/board/de", "http://127.0.0.1:8783/board/ru"],
        link=THREAD_LINK,
        next=NEXT_PAGE,
        thread_next=NEXT_PAGE,
    ),
    parser=Parser(
        name="velo_forum",
        version="1",
        item=POST,
        post_id=POST_ID,
        title=TITLE,
        author=AUTHOR,
        published=PUBLISHED,
        quote=QUOTE,
        reply_to=REPLY_TO,
        body=BODY,
    ),
)
