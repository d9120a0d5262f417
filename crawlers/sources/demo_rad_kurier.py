"""Rad-Kurier (demo): German e-bike news, discovered through RSS and a sitemap index."""

from brandradar.sources import Source

SOURCE = Source(
    name="demo_rad_kurier",
    display_name="Rad-Kurier (demo)",
    kind="news",
    languages=["de"],
    feeds=["http://127.0.0.1:8781/rss.xml"],
    sitemaps=["http://127.0.0.1:8781/sitemap.xml"],
)
