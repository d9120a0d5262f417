"""The real-news work directory shared by the dashboard's API and browser tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.webserver import RouteSpec, serve

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FUNDUS = FIXTURES / "extraction" / "fundus"
BRANDS = FIXTURES / "mentions" / "news_brands.yaml"


def _site() -> dict[str, RouteSpec]:
    """Two news sites on one host: the German pages under /de/, the others under /en/, each with
    an RSS feed of its pages, served as recorded (no charset claimed: the crawler finds it)."""
    routes: dict[str, RouteSpec] = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n")}
    items: dict[str, list[str]] = {"de": [], "en": []}
    for line in (FUNDUS / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        site = "de" if page["lang"] == "de" else "en"
        path = f"/{site}/{page['id']}.html"
        routes[path] = (200, {"Content-Type": "text/html"},
                        gzip.decompress((FUNDUS / page["html_file"]).read_bytes()))
        items[site].append(f"<item><title>{page['id']}</title><link>{path}</link></item>")
    for site, links in items.items():
        routes[f"/{site}.xml"] = (200, {"Content-Type": "application/rss+xml"}, (
            f"<rss version='2.0'><channel><title>{site}</title>{''.join(links)}"
            "</channel></rss>").encode())
    return routes


@pytest.fixture(scope="session")
def real_news_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The work directory of `brandradar run` over the 160 fundus news pages (MIT, see
    tests/fixtures/extraction/fundus/PROVENANCE.md) served on loopback as two news sites, with
    the 48 companies of tests/fixtures/mentions/news_brands.yaml."""
    tmp = tmp_path_factory.mktemp("real_news")
    (tmp / "brands.yaml").write_bytes(BRANDS.read_bytes())
    with serve(_site()) as (base, seen):
        config = tmp / "project.yaml"
        config.write_text(
            "brands_file: brands.yaml\nsources:\n"
            f"  - {{name: presse_de, display_name: Presse (de), kind: news, feeds: ['{base}/de.xml']}}\n"
            f"  - {{name: press_en, display_name: Press (en), kind: news, feeds: ['{base}/en.xml']}}\n"
            # All publishers are served from one loopback host: one domain, not 105.
            "trends: {min_domains: 1}\n"
            "settings: {allow_private_hosts: ['127.0.0.1'], autothrottle: false}\n")
        proc = run_cli("run", "--config", str(config), "--workdir", str(tmp / "work"),
                       timeout=1500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sum(p.endswith(".html") for p in seen) == 160
    return tmp / "work"
