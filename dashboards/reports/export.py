"""Tables as CSV and XLSX files: the mentions export (of the explorer's view and of a report's
period), and the rule every export of crawled text follows.

Crawled text is untrusted: a cell starting like a formula (``=``, ``+``, ``-``, ``@``, tab, CR)
is prefixed with a quote so a spreadsheet shows it instead of running it; XlsxWriter is told
never to turn strings into formulas or links. Dates stay dates (an XLSX date cell, ISO text in
CSV), numbers stay numbers, headers are words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from brandradar.index.rows import ExplorerRow
from brandradar.sources import source_title

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The mentions export's columns: (header, row attribute).
MENTION_COLUMNS = (("Published", "published"), ("Brand", "brand"), ("Sentiment", "sentiment"),
                   ("Score", "score"), ("Title", "title"), ("Source", "source"),
                   ("Source kind", "source_kind"), ("Author (pseudonym)", "author"),
                   ("Language", "language"), ("Text judged", "span_text"),
                   ("Copies in story", "copies"), ("URL", "url"), ("Mention id", "mention_id"))
# The most rows one export holds (a larger view is cut, and the file says so).
EXPORT_MAX = 100_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def mention_table(rows: Sequence[ExplorerRow], zone: str,
                  source_names: dict[str, str] | None = None) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a mentions export: times in ``zone`` (named in the header), sources
    by their display names where configured."""
    tz = ZoneInfo(zone)
    names = source_names or {}
    header = [f"{h} ({zone})" if attr == "published" else h for h, attr in MENTION_COLUMNS]
    out = []
    for r in rows:
        cells: list[Any] = []
        for _, attr in MENTION_COLUMNS:
            value = getattr(r, attr)
            if attr == "published" and value is not None:
                value = value.astimezone(tz).replace(tzinfo=None)
            elif attr == "source":
                value = source_title(value, names)
            cells.append(value)
        out.append(cells)
    return header, out


def csv_safe(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _note(cut: int) -> str:
    return f"{cut} more rows in this view are not in this file (the export holds at most the first rows)."


def mentions_csv(header: list[str], rows: list[list[Any]], cut: int = 0) -> bytes:
    """A CSV file (UTF-8 with a byte-order mark, so spreadsheet programs read umlauts and
    Cyrillic right) of ``rows`` under ``header``; a last line says how many rows were ``cut``."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    for row in rows:
        w.writerow([v.isoformat(sep=" ") if isinstance(v, datetime) else csv_safe(v)
                    for v in row])
    if cut:
        w.writerow([_note(cut)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_cells(ws: Any, i: int, row: list[Any], stamp: Any, day: Any) -> None:
    """Row ``i`` of a worksheet with typed cells: times and days as date cells (formats
    ``stamp``, ``day``), yes/no for flags, numbers as numbers, text quoted like CSV."""
    for j, value in enumerate(row):
        if isinstance(value, bool):
            ws.write_string(i, j, "yes" if value else "no")
        elif isinstance(value, datetime):
            ws.write_datetime(i, j, value, stamp)
        elif isinstance(value, date):
            ws.write_datetime(i, j, datetime.combine(value, datetime.min.time()), day)
        elif isinstance(value, str):
            ws.write_string(i, j, csv_safe(value))
        elif value is None:
            ws.write_blank(i, j, None)
        else:
            ws.write(i, j, value)


def mentions_xlsx(header: list[str], rows: list[list[Any]], cut: int = 0) -> bytes:
    """An XLSX workbook with one sheet ``Mentions``: bold frozen header, date cells, an
    autofilter; a second sheet says how many rows were ``cut``."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"strings_to_formulas": False, "strings_to_urls": False,
                                     "in_memory": True})
    bold = book.add_format({"bold": True})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws = book.add_worksheet("Mentions")
    ws.write_row(0, 0, header, bold)
    for i, row in enumerate(rows, 1):
        write_cells(ws, i, row, when, when)
    ws.set_column(0, len(header) - 1, 18)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    if cut:
        book.add_worksheet("Not included").write_string(0, 0, _note(cut))
    book.close()
    return buf.getvalue()
