"""The competitor report for a period: self-contained HTML (charts as inline SVG) and CSV.

Crawled text is escaped in HTML (Jinja2 autoescape) and formula-escaped in CSV.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape

from brandradar.dashboards.reports.data import overview
from brandradar.errors import ConfigError
from brandradar.index.store import open_store

if TYPE_CHECKING:
    from brandradar.stages import Context

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(data: dict[str, Any], out: Path) -> None:
    sentiment = {r["brand"]: r for r in data["sentiment"]}
    story = {r["brand"]: r for r in data["sov_story"]}
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["brand", "role", "mentions", "share", "ci_low", "ci_high", "too_few",
                    "stories", "share_per_story", "positive", "negative", "neutral", "unscored",
                    "net_sentiment", "alerts"])
        for r in data["sov"]:
            s = sentiment.get(r["brand"], {"positive": 0, "negative": 0, "neutral": 0,
                                           "unscored": 0, "net": 0.0})
            n_alerts = sum(1 for a in data["alerts"] if a["brand"] == r["brand"])
            w.writerow([csv_safe(v) for v in (
                r["brand"], r["role"], r["mentions"], r["share"], r["ci_low"], r["ci_high"],
                r["too_few"], story[r["brand"]]["mentions"], story[r["brand"]]["share"],
                s["positive"], s["negative"], s["neutral"], s["unscored"], s["net"], n_alerts)])


def write_report(ctx: Context, fmt: str, out: Path, since: datetime | None = None,
                 until: datetime | None = None) -> Path:
    """Write the report as ``html`` or ``csv`` to ``out``."""
    if fmt not in ("html", "csv"):
        raise ConfigError(f"report format {fmt!r} not supported (html, csv)")
    store = open_store(ctx.settings, read_only=True)
    try:
        data = overview(store, ctx.brands, ctx.workdir, since, until)
    finally:
        store.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        _csv(data, out)
        return out
    env = Environment(loader=PackageLoader("brandradar.dashboards.reports", "templates"),
                      autoescape=select_autoescape(default=True))
    own = next((r for r in data["sov"] if r["role"] == "own"), None)
    leader = max(data["sov"], key=lambda r: r["share"]) if data["sov"] else None
    html = env.get_template("report.html.j2").render(
        data=data, own=own, leader=leader, since=since, until=until,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        period=f"{since:%Y-%m-%d} – {until:%Y-%m-%d}" if since and until else "all data",
    )
    out.write_text(html, encoding="utf-8")
    return out
