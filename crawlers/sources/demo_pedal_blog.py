"""Pedal Notes (demo): an English e-bike blog with an Atom feed."""

from brandradar.sources import Source

SOURCE = Source(
    name="demo_pedal_blog",
    display_name="Pedal Notes (demo)",
    kind="blog",
    languages=["en"],
    feeds=["http://127.0.0.1:8782/atom.xml"],
)
