"""``brandradar brands test``: which texts a brand definition matches, and why.

For each text: the mentions that count (alias — also inside a compound, handle, hashtag or
domain —, context word or query that made them count, sentiment and the clause it was judged
on), the mentions that are kept but not counted (a platform named as a channel, page furniture),
and the alias matches that do not count (exclusion, ambiguous alias without context, false
query). A user refines a definition with this before
trusting the numbers it produces.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from brandradar.config import Brand
from brandradar.errors import ConfigError
from brandradar.nlp.pipeline import Annotator, parse_item


def read_texts(path: Path) -> Iterator[tuple[str, str | None]]:
    """(text, language or None) pairs from JSON lines ({text, lang?}) or plain text lines."""
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    jsonl = path.suffix in (".jsonl", ".ndjson")
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            if not jsonl:
                yield line.rstrip("\n"), None
                continue
            _, text, lang = parse_item(line, f"{path} line {n}")
            yield text, lang


def explain(brands: list[Brand], items: list[tuple[str, str | None]]) -> list[dict[str, Any]]:
    """One record per text: language, counted mentions and rejected matches."""
    notes = Annotator(brands, keyphrases=False).annotate(items)
    return [{"n": n, "lang": a.lang, "text": text,
             "mentions": [asdict(m) for m in a.mentions],
             "rejected": [asdict(r) for r in a.rejected]}
            for n, ((text, _), a) in enumerate(zip(items, notes, strict=True), 1)]


def summary(records: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per brand: texts with a counted mention, counted mentions, mentions kept but not counted
    (channel, furniture), rejected matches."""
    out: dict[str, Counter[str]] = {}
    for r in records:
        for brand in {m["brand"] for m in r["mentions"] if m["counted"]}:
            out.setdefault(brand, Counter())["texts"] += 1
        for m in r["mentions"]:
            out.setdefault(m["brand"], Counter())["mentions" if m["counted"] else "not_counted"] += 1
        for x in r["rejected"]:
            out.setdefault(x["brand"], Counter())["rejected"] += 1
    keys = ("texts", "mentions", "not_counted", "rejected")
    return {b: {k: c[k] for k in keys} for b, c in sorted(out.items())}


def render(records: list[dict[str, Any]], show_all: bool) -> str:
    """Human-readable report: matched (and rejected) texts, then the summary."""
    lines = []
    for r in records:
        if not (r["mentions"] or r["rejected"] or show_all):
            continue
        short = r["text"] if len(r["text"]) <= 160 else r["text"][:157] + "…"
        lines.append(f"#{r['n']} [{r['lang']}] {short}")
        for m in r["mentions"]:
            if not m["counted"]:
                lines.append(f"  ~ {m['brand']}: {m['why']}")
                continue
            lines.append(f"  + {m['brand']}: {m['why']}; {m['sentiment']} {m['score']:+.2f} "
                         f"on «{m['span_text'].strip()}»")
        for x in r["rejected"]:
            lines.append(f"  - {x['brand']} {x['matched']!r}: {x['reason']}")
        if not (r["mentions"] or r["rejected"]):
            lines.append("  (no brand)")
    lines.append("")
    lines.append(f"{len(records)} texts")
    for brand, c in summary(records).items():
        lines.append(f"{brand}: {c['texts']} texts, {c['mentions']} mentions, "
                     f"{c['not_counted']} kept but not counted (channel, furniture), "
                     f"{c['rejected']} matches rejected")
    return "\n".join(lines)
