"""The competitor report for a period and a set of brands, as HTML, PDF, XLSX, CSV or JSON.

HTML is self-contained (charts as inline SVG; crawled text escaped by Jinja2's autoescape). PDF
is that HTML printed by the headless Chromium brandradar already uses for browser pages. XLSX
has one sheet per table and native charts (XlsxWriter; strings are never turned into formulas
and text starting like a formula is prefixed with a quote, as in CSV), and a sheet with the
period's mentions: one row per brand and document, the unit the share table counts. CSV holds
one table: the brands (default) or those mentions.
"""

from __future__ import annotations

import csv
import json
import subprocess
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape

from brandradar.dashboards.reports.data import local_time, report_data
from brandradar.dashboards.reports.export import (
    EXPORT_MAX,
    csv_safe,
    mention_table,
    mentions_csv,
    write_cells,
)
from brandradar.errors import ConfigError, TransientError
from brandradar.index.store import Filters, Store, open_store

if TYPE_CHECKING:
    from brandradar.stages import Context

FORMATS = ("html", "pdf", "xlsx", "csv", "json")
TABLES = ("brands", "mentions")


class MentionRows:
    """The period's mentions of the report's brands as an export table: one row per brand and
    document (as the share table counts), newest first; ``cut`` rows beyond ``EXPORT_MAX``."""

    def __init__(self, store: Store, data: dict[str, Any], names: dict[str, str]) -> None:
        brands = tuple(b["name"] for b in data["brands"])
        page = store.explore(None, datetime.fromisoformat(data["since"]),
                             datetime.fromisoformat(data["until"]), Filters(brands=brands),
                             "newest", 0, EXPORT_MAX, "document")
        self.header, self.rows = mention_table(page.rows, data["zone"], names)
        self.cut = page.total - len(self.rows)

def _brand_rows(data: dict[str, Any]) -> list[list[Any]]:
    """One row per brand: the table of the CSV file and of the XLSX summary sheet."""
    sentiment = {r["brand"]: r for r in data["sentiment"]}
    story = {r["brand"]: r for r in data["sov_story"]}
    reach = {r["brand"]: r for r in data["sov_reach"]}
    before = {r["brand"]: r for r in data["sov_before"]}
    rows = []
    for r in data["sov"]:
        s = sentiment[r["brand"]]
        rows.append([r["brand"], r["role"], r["mentions"], r["share"], r["ci_low"], r["ci_high"],
                     r["too_few"], story[r["brand"]]["mentions"], story[r["brand"]]["share"],
                     reach[r["brand"]]["share"], before[r["brand"]]["share"],
                     s["positive"], s["negative"], s["neutral"], s["unscored"], s["net"],
                     s["net_before"], s["net_change"],
                     sum(1 for a in data["alerts"] if a["brand"] == r["brand"])])
    return rows


BRAND_COLUMNS = ["brand", "role", "mentions", "share", "ci_low", "ci_high", "too_few",
                 "stories", "share_per_story", "share_reach_weighted", "share_previous_period",
                 "positive", "negative", "neutral", "unscored", "net_sentiment",
                 "net_sentiment_previous_period", "net_sentiment_change", "alerts"]


def _csv(data: dict[str, Any], out: Path) -> None:
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(BRAND_COLUMNS)
        for row in _brand_rows(data):
            w.writerow([csv_safe(v) for v in row])


# The XLSX headers, in words (the CSV keeps BRAND_COLUMNS, names a program reads).
BRAND_HEADERS = ["Brand", "Role", "Documents", "Share", "Range low (95 %)", "Range high (95 %)",
                 "Too few to judge", "Stories", "Share per story", "Share reach-weighted",
                 "Share previous period", "Positive", "Negative", "Neutral", "Unscored",
                 "Net sentiment", "Net sentiment previous period", "Net sentiment change",
                 "Alerts"]


def _when(value: str, zone: str) -> datetime:
    """An ISO time as a naive datetime in ``zone`` (spreadsheet date cells have no zone)."""
    return datetime.fromisoformat(value).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def _xlsx(data: dict[str, Any], out: Path, mentions: MentionRows) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False,
                                          "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    pct = book.add_format({"num_format": "0.0%"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})

    def sheet(name: str, header: list[str], rows: list[list[Any]]) -> Any:
        ws = book.add_worksheet(name)
        ws.write_row(0, 0, header, bold)
        for i, row in enumerate(rows, 1):
            write_cells(ws, i, row, stamp, day)
        ws.set_column(0, len(header) - 1, 16)
        ws.freeze_panes(1, 0)
        return ws

    zone = data["zone"]
    summary = book.add_worksheet("Summary")
    summary.write(0, 0, "Competitor report", bold)
    last = (datetime.fromisoformat(data["until"]) - timedelta(microseconds=1)).date()
    summary.write_string(1, 0, f"{data['since'][:10]} – {last} (both days included, {zone})")
    for i, line in enumerate(data["summary"], 3):
        summary.write_string(i, 0, csv_safe(line))
    summary.set_column(0, 0, 120)
    rows = _brand_rows(data)
    ws = sheet("Share of voice", BRAND_HEADERS, rows)
    for col in (3, 4, 5, 8, 9, 10):
        ws.set_column(col, col, 12, pct)
    chart = book.add_chart({"type": "bar"})
    chart.add_series({"name": "Share of voice", "categories": ["Share of voice", 1, 0, len(rows), 0],
                      "values": ["Share of voice", 1, 3, len(rows), 3], "data_labels": {"value": True}})
    chart.set_title({"name": "Share of voice"})
    chart.set_legend({"none": True})
    ws.insert_chart(len(rows) + 3, 0, chart)
    sent = [[s["brand"], s["positive"], s["negative"], s["neutral"], s["unscored"], s["net"],
             s["net_before"], s["net_change"]] for s in data["sentiment"]]
    ws = sheet("Sentiment", ["Brand", "Positive", "Negative", "Neutral", "Unscored",
                             "Net sentiment", "Net sentiment previous period",
                             "Net sentiment change"], sent)
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    for col, name, colour in ((1, "positive", "#1b7a3a"), (2, "negative", "#b3261e"),
                              (3, "neutral", "#9aa3ad"), (4, "unscored", "#d5d9de")):
        chart.add_series({"name": name, "categories": ["Sentiment", 1, 0, len(sent), 0],
                          "values": ["Sentiment", 1, col, len(sent), col],
                          "fill": {"color": colour}})
    chart.set_title({"name": "Mentions by sentiment"})
    ws.insert_chart(len(sent) + 3, 0, chart)
    sheet("Topics", ["Brand", "Key phrase", "Documents", "Also written as"],
          [[b, t["phrase"], t["documents"], ", ".join(t["variants"])]
           for b, ts in data["topics"].items() for t in ts])
    docs = [[b, kind, d["score"], d["title"], d["span_text"], d["url"], d["source"]]
            for kind in ("positive", "negative")
            for b, ds in data[f"{kind}_documents"].items() for d in ds]
    sheet("Documents", ["Brand", "Sentiment", "Score", "Title", "Text judged", "URL", "Source"],
          docs)
    sheet("Alerts", ["Brand", "Kind", "Severity", f"Start ({zone})", f"End ({zone})", "Explanation",
                     "Complete data"],
          [[a["brand"], a["kind"], a["severity"], _when(a["start"], zone), _when(a["end"], zone),
            a["explanation"]["summary"], a["complete"]] for a in data["alerts"]])
    sheet("Coverage", ["Source", "Crawl runs in the period", "Flagged runs",
                       "New documents", "Complete", "Flags"],
          [[c["source"], c["runs"], c["flagged_runs"], c["new_documents"], c["complete"],
            ", ".join(c["flags"])] for c in data["coverage"]])
    # One row per day and one column per brand: the shape a line chart needs.
    brands = [b["name"] for b in data["brands"]]
    per = {(r["brand"], r["day"]): r["mentions"] for r in data["daily"]}
    days = sorted({r["day"] for r in data["daily"]})
    ws = sheet("Daily", [f"Day ({zone})", *brands],
               [[date.fromisoformat(d), *[per.get((b, d), 0) for b in brands]] for d in days])
    chart = book.add_chart({"type": "line"})
    for j in range(1, len(brands) + 1):
        chart.add_series({"name": ["Daily", 0, j], "categories": ["Daily", 1, 0, len(days), 0],
                          "values": ["Daily", 1, j, len(days), j]})
    chart.set_title({"name": "Documents per day"})
    chart.set_x_axis({"date_axis": True, "num_format": "mm-dd"})
    ws.insert_chart(1, len(brands) + 2, chart, {"x_scale": 1.6, "y_scale": 1.3})
    sheet("Daily sentiment", ["Brand", f"Day ({zone})", "Documents", "Positive", "Negative",
                              "Neutral", "Unscored"],
          [[r["brand"], date.fromisoformat(r["day"]), r["mentions"], r["positive"],
            r["negative"], r["neutral"], r["unscored"]] for r in data["daily"]])
    ws = sheet("Mentions", mentions.header, mentions.rows)
    ws.autofilter(0, 0, max(len(mentions.rows), 1), len(mentions.header) - 1)
    if mentions.cut:
        ws.write_string(len(mentions.rows) + 1, 0, f"{mentions.cut} more rows are not in this "
                        "sheet (it holds the newest first).")
    book.close()


def render_html(data: dict[str, Any]) -> str:
    """The self-contained HTML report."""
    env = Environment(loader=PackageLoader("brandradar.dashboards.reports", "templates"),
                      autoescape=select_autoescape(default=True))
    env.filters["local"] = lambda iso: local_time(iso, data["zone"])
    # Days both included: the last day is the one before the (exclusive) end instant.
    def last_day(end: str) -> str:
        return (datetime.fromisoformat(end) - timedelta(microseconds=1)).date().isoformat()

    return env.get_template("report.html.j2").render(
        data=data, generated=local_time(datetime.now(UTC).isoformat(), data["zone"]),
        period=f"{data['since'][:10]} – {last_day(data['until'])}",
        previous_last=last_day(data["since"]))


def print_pdf(html: str, out: Path, chromium: str) -> None:
    """Print HTML to PDF with headless Chromium (no network: the HTML is self-contained)."""
    if not Path(chromium).exists():
        raise TransientError(f"report: {chromium} not found (PDF needs Chromium; apt-get install "
                             "chromium, or set BRANDRADAR_BROWSER_EXECUTABLE)")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
               f"--print-to-pdf={out}", page.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        raise TransientError(f"report: Chromium could not print the PDF: {proc.stderr[-500:]}")


def write_report(ctx: Context, fmt: str, out: Path, since: datetime | None = None,
                 until: datetime | None = None, brands: list[str] | None = None,
                 table: str = "brands") -> Path:
    """Write the report of a period (default: the last 7 days) for some brands (default: all);
    a CSV holds ``table``: one row per brand, or the period's mentions."""
    if fmt not in FORMATS:
        raise ConfigError(f"report format {fmt!r} not supported ({', '.join(FORMATS)})")
    if table not in TABLES:
        raise ConfigError(f"report table {table!r} not supported ({', '.join(TABLES)})")
    if table != "brands" and fmt != "csv":
        raise ConfigError("report: --table chooses the table of a CSV file (XLSX holds both)")
    chosen = ctx.pick_brands(brands or [], "report")
    names = ctx.source_names
    store = open_store(ctx.settings, read_only=True)
    try:
        data = report_data(store, chosen, ctx.workdir, since, until, ctx.project.source_weights,
                           ctx.settings.display_timezone, names)
        mentions = MentionRows(store, data, names) if fmt == "xlsx" or table == "mentions" \
            else None
    finally:
        store.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    # ``mentions`` is read exactly for the formats that hold them: XLSX and the mentions CSV.
    if mentions is not None and fmt == "xlsx":
        _xlsx(data, out, mentions)
    elif mentions is not None:
        out.write_bytes(mentions_csv(mentions.header, mentions.rows, mentions.cut))
    elif fmt == "csv":
        _csv(data, out)
    elif fmt == "json":
        # The charts are the HTML's drawing, not data: the daily rows hold their numbers.
        out.write_text(json.dumps({k: v for k, v in data.items() if k != "charts"}, indent=1,
                                  ensure_ascii=False, default=str),
                       encoding="utf-8")
    elif fmt == "pdf":
        print_pdf(render_html(data), out, ctx.settings.browser_executable)
    else:
        out.write_text(render_html(data), encoding="utf-8")
    return out
