"""Canonical URLs and ids: one article is one document, whatever tracking was added."""

from brandradar.urls import canonical_url, doc_id, domain_of


def test_tracking_parameters_and_fragments_are_dropped() -> None:
    a = canonical_url("HTTPS://News.Example.org:443/a/b?utm_source=x&id=3&fbclid=y#top")
    assert a == "https://news.example.org/a/b?id=3"


def test_query_order_does_not_matter() -> None:
    assert doc_id("http://e.org/p?b=2&a=1") == doc_id("http://e.org/p?a=1&b=2")


def test_post_id_separates_posts_of_one_page() -> None:
    assert doc_id("http://e.org/t/1", "5") != doc_id("http://e.org/t/1", "6")


def test_domain_keeps_non_default_port() -> None:
    assert domain_of("http://127.0.0.1:8781/x") == "127.0.0.1:8781"
    assert domain_of("http://example.org:80/x") == "example.org"
