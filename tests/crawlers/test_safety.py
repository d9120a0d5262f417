"""The address guard, with real hostile inputs: private targets, redirects, DNS names."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from brandradar.crawlers.run import crawl
from brandradar.crawlers.safety import refusal
from brandradar.settings import Settings
from brandradar.sources import Browser, Source
from tests.webserver import serve

NONE: frozenset[str] = frozenset()


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "data:text/html,<script>alert(1)</script>",
    "ftp://127.0.0.1/x",
    "http://10.1.2.3/",
    "http://192.168.0.1/admin",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://[::1]:8080/",
    "http://[::ffff:127.0.0.1]/",
    "http://127.0.0.2/",
    "http://localhost:8781/",
    "http://0.0.0.0/",
])
def test_forbidden_targets_are_refused(url: str) -> None:
    assert refusal(url, NONE) is not None


def test_allow_list_admits_exactly_the_listed_host() -> None:
    allowed = frozenset({"127.0.0.1"})
    assert refusal("http://127.0.0.1:8781/rss.xml", allowed) is None
    assert refusal("http://127.0.0.2:8781/rss.xml", allowed) is not None
    assert refusal("http://localhost:8781/rss.xml", allowed) is not None


def _fetchlog(workdir: Path) -> list[dict[str, object]]:
    rows = []
    for f in workdir.glob("raw/source=*/day=*/fetchlog-*.jsonl"):
        rows.extend(json.loads(line) for line in f.read_text().splitlines())
    return rows


def test_redirect_and_dns_to_private_addresses_are_refused_during_a_crawl(tmp_path: Path) -> None:
    with serve({"/secret": (200, {}, b"<html><body>internal data</body></html>")},
               host="127.0.0.2") as (inner, inner_seen):
        port = inner.rsplit(":", 1)[1]
        feed_items = "".join(
            f"<item><title>{name}</title><link>{{base}}{path}</link></item>"
            for name, path in (("ok", "/ok.html"), ("redirect", "/go"))
        )
        routes = {
            "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private\n"),
            "/ok.html": (200, {}, b"<html><body><article><p>fine</p></article></body></html>"),
            "/go": (302, {"Location": f"{inner}/secret"}, b""),
            "/private/x.html": (200, {}, b"<html><body>robots said no</body></html>"),
        }
        with serve(routes) as (outer, outer_seen):
            items = feed_items.replace("{base}", outer) + (
                f"<item><title>dns</title><link>http://localhost:{port}/secret</link></item>"
                f"<item><title>robots</title><link>{outer}/private/x.html</link></item>")
            routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"},
                                   f"<rss version='2.0'><channel><title>t</title>{items}"
                                   "</channel></rss>".encode())
            settings = Settings(workdir=tmp_path, allow_private_hosts=["127.0.0.1"],
                                autothrottle=False)
            source = Source(name="hostile", kind="news", feeds=[f"{outer}/feed.xml"])
            stats = crawl([source], settings, "t1")["hostile"]
    assert inner_seen == []  # nothing ever reached 127.0.0.2
    assert "/private/x.html" not in outer_seen  # robots.txt obeyed
    assert stats["guard/refused"] == 2  # the redirect hop and the DNS name
    assert stats["pages/archived/article"] == 1
    log = _fetchlog(tmp_path)
    assert any(r["url"] == f"{outer}/ok.html" and r["status"] == 200 for r in log)
    refused = [r for r in log if "127.0.0.2" in str(r["url"]) or "localhost" in str(r["url"])]
    assert len(refused) == 2  # named in the fetch log, never fetched
    assert all(r["status"] is None and "address guard" in str(r["error"]) for r in refused)


@pytest.mark.browser
@pytest.mark.slow
def test_a_hostile_rendered_page_reaches_no_forbidden_address(tmp_path: Path) -> None:
    """A page rendered in the browser loads an image, an iframe, calls fetch(), opens a
    WebSocket and navigates through a redirect, all towards a secret server on a loopback
    address that is not allowed: the secret server sees nothing, the page is still archived."""
    with serve({}, host="127.0.0.2") as (secret, hits):
        hostile = f"""<html><body><article><h1>Test</h1><p>{"Ein Absatz. " * 30}</p>
<img src="{secret}/img.png"><iframe src="{secret}/frame.html"></iframe>
<link rel="stylesheet" href="{secret}/style.css"></article>
<script>
fetch("{secret}/fetch").catch(() => null);
try {{ new WebSocket("{secret.replace('http', 'ws')}/socket"); }} catch (e) {{}}
navigator.serviceWorker && navigator.serviceWorker.register("/sw.js").catch(() => null);
setTimeout(() => {{ location.href = "/away"; }}, 5000);
</script></body></html>""".encode()
        routes = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
                  "/list.html": (200, {}, b"<html><body><a class='r' href='/hostile.html'>x</a>"
                                          b"</body></html>"),
                  "/hostile.html": (200, {}, hostile),
                  "/away": (302, {"Location": f"{secret}/redirected"}, b"")}
        with serve(routes) as (base, _):
            source = Source(name="hostile", kind="review", browser=Browser(
                start_urls=[f"{base}/list.html"], link="a.r::attr(href)", wait_for="article"))
            settings = Settings(workdir=tmp_path, allow_private_hosts=["127.0.0.1"],
                                autothrottle=False)
            stats = crawl([source], settings, "h1")["hostile"]
        # Give a late request its chance to arrive. (The page navigates away only after 5 s: at
        # 300 ms, on a loaded machine the navigation raced the crawler's wait for <article>
        # and the page was never archived.)
        time.sleep(1)
    assert hits == []
    assert stats["pages/archived/rendered"] == 1
    assert stats["guard/refused_in_browser"] >= 4  # img, iframe, style, fetch, socket, hop


def test_a_name_answering_with_a_private_address_is_refused_where_it_resolves() -> None:
    """The check sits in the resolver the connection uses (no lookup on the reactor thread, no
    second answer): a public name pointing inside is refused, an allowed one passes."""
    from twisted.internet.error import DNSLookupError

    from brandradar.crawlers.safety import GuardedResolver

    resolver = GuardedResolver.__new__(GuardedResolver)
    resolver.allow_hosts = frozenset({"demo.example"})
    with pytest.raises(DNSLookupError, match=r"address guard: private address 10\.0\.0\.5"):
        resolver.checked("10.0.0.5", "rebind.example.org")
    assert resolver.checked("10.0.0.5", "demo.example") == "10.0.0.5"
    assert resolver.checked("93.184.215.14", "example.org") == "93.184.215.14"


@pytest.mark.slow
def test_a_host_name_of_this_machine_pointing_to_loopback_is_refused(tmp_path: Path) -> None:
    """A real name from /etc/hosts that answers 127.0.0.1 (as any rebinding domain could): the
    crawl refuses it at resolution and the server behind it sees nothing."""
    import socket

    names = [n for n in ("vm", "runsc", socket.gethostname())
             if n != "localhost" and _resolves_to_loopback(n)]
    if not names:
        pytest.skip("no host name here resolves to 127.0.0.1")
    with serve({"/secret": (200, {}, b"<html><body>internal</body></html>")}) as (base, seen):
        port = base.rsplit(":", 1)[1]
        feed = (f"<rss version='2.0'><channel><title>t</title><item><title>x</title>"
                f"<link>http://{names[0]}:{port}/secret</link></item></channel></rss>").encode()
        with serve({"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
                    "/feed.xml": (200, {"Content-Type": "application/rss+xml"}, feed)},
                   host="127.0.0.3") as (outer, _):
            settings = Settings(workdir=tmp_path, allow_private_hosts=["127.0.0.3"],
                                autothrottle=False, retry_times=0)
            stats = crawl([Source(name="rebind", kind="news", feeds=[f"{outer}/feed.xml"])],
                          settings, "t2")["rebind"]
    assert seen == [] and stats["guard/refused"] == 2  # its robots.txt and the page


def _resolves_to_loopback(name: str) -> bool:
    import socket

    try:
        return {i[4][0] for i in socket.getaddrinfo(name, None)} == {"127.0.0.1"}
    except OSError:
        return False
