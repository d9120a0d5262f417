"""BikeCheck (demo): product reviews rendered by JavaScript, so a browser is needed."""

from brandradar.sources import Browser, Parser, Source

PRODUCT_LINK = "a.product-link::attr(href)"
LOADED = "#reviews[data-loaded]"
LOAD_MORE = "button.load-more"

REVIEW = "div.review"
REVIEW_ID = "::attr(data-review-id)"
RATING = ".stars::attr(data-rating)"
AUTHOR = ".reviewer::text"
PUBLISHED = "time::attr(datetime)"
VERIFIED = ".verified"
TEXT = "p.review-text"
PRODUCT = "h1.product-name"

SOURCE = Source(
    name="demo_bike_reviews",
    display_name="BikeCheck (demo)",
    kind="review",
    languages=["en", "de"],
    browser=Browser(
        start_urls=["http://127.0.0.1:8784/products"],
        link=PRODUCT_LINK,
        wait_for=LOADED,
        click=LOAD_MORE,
    ),
    parser=Parser(
        name="bikecheck",
        version="1",
        item=REVIEW,
        post_id=REVIEW_ID,
        title=PRODUCT,
        author=AUTHOR,
        published=PUBLISHED,
        rating=RATING,
        rating_scale=5.0,
        product=PRODUCT,
        verified=VERIFIED,
        body=TEXT,
    ),
)
