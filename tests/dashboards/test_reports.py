"""Competitor reports in every format on the demo data: same numbers as the store, crawled text
escaped (HTML) and never a formula (CSV, XLSX), PDF pages rendered for a person to look at."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from brandradar.dashboards.reports.data import report_data
from brandradar.dashboards.reports.report import MentionRows, _csv, _xlsx
from brandradar.index.analytics import share_of_voice
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.stages import context_from_workdir
from tests.conftest import run_cli

pytestmark = pytest.mark.slow
HOSTILE = "=HYPERLINK(\"http://127.0.0.1/x\",\"click\")"


def _report(demo_run: dict[str, Any], tmp_path: Path, fmt: str, *extra: str) -> Path:
    out = tmp_path / f"report.{fmt}"
    proc = run_cli("report", "--workdir", str(demo_run["workdir"]), "--format", fmt,
                   "--out", str(out), *extra)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def test_json_report_has_every_part_with_the_store_numbers(demo_run: dict[str, Any],
                                                           tmp_path: Path) -> None:
    data = json.loads(_report(demo_run, tmp_path, "json").read_text())
    ctx = context_from_workdir(demo_run["workdir"])
    store = DuckDBStore(Path(ctx.workdir) / "brandradar.duckdb", read_only=True)
    try:
        until = datetime.fromisoformat(data["until"])
        since = datetime.fromisoformat(data["since"])
        expected = share_of_voice(store, ctx.brands, since, until)
        before = share_of_voice(store, ctx.brands, since - (until - since), since)
    finally:
        store.close()
    assert until - since == timedelta(days=7)
    assert data["sov"] == expected and data["sov_before"] == before
    assert [a["brand"] for a in data["alerts"]] == ["Voltaro"]
    voltaro = next(s for s in data["sentiment"] if s["brand"] == "Voltaro")
    assert voltaro["net_change"] is not None and voltaro["net_change"] < -0.3  # the wave
    assert any("Voltaro" in line and "worsened" in line for line in data["summary"])
    assert any("Crisis alerts: Voltaro" in line for line in data["summary"])
    assert all(d["score"] > 0 for d in data["positive_documents"]["Voltaro"])
    assert all(d["score"] < 0 for d in data["negative_documents"]["Voltaro"])
    assert data["topics"]["Voltaro"] and {c["source"] for c in data["coverage"]} == \
        {s.title for s in ctx.sources} and "Rad-Kurier (demo)" in ctx.source_names.values()


def test_period_and_brands_are_honoured(demo_run: dict[str, Any], tmp_path: Path) -> None:
    day = (datetime.now(UTC) - timedelta(days=20)).date()
    out = _report(demo_run, tmp_path, "csv", "--since", str(day - timedelta(days=6)),
                  "--until", str(day), "--brands", "Pedalix,Nordrad")
    rows = list(csv.DictReader(out.open()))
    assert [r["brand"] for r in rows] == ["Pedalix", "Nordrad"]
    assert abs(sum(float(r["share"]) for r in rows) - 1) < 1e-3
    assert all(r["alerts"] == "0" for r in rows)  # the wave is not in that week
    proc = run_cli("report", "--workdir", str(demo_run["workdir"]), "--format", "csv",
                   "--out", str(tmp_path / "x.csv"), "--brands", "Nobody")
    assert proc.returncode == 2 and "unknown brand 'Nobody'" in proc.stderr


def test_spreadsheets_never_hold_a_formula(demo_run: dict[str, Any], tmp_path: Path) -> None:
    ctx = context_from_workdir(demo_run["workdir"])
    store = DuckDBStore(Path(ctx.workdir) / "brandradar.duckdb", read_only=True)
    try:
        data = report_data(store, ctx.brands, ctx.workdir)
        mentions = MentionRows(store, data, ctx.source_names)
    finally:
        store.close()
    mentions.rows[0][4] = HOSTILE  # a crawled title
    for table in ("sov", "sov_story", "sov_reach", "sov_before", "sentiment"):
        data[table][0]["brand"] = HOSTILE  # a brand name a user pasted from somewhere
    data["negative_documents"]["Voltaro"][0]["title"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    data["summary"].append("-2+3")
    _xlsx(data, tmp_path / "r.xlsx", mentions)
    with zipfile.ZipFile(tmp_path / "r.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(z.read(n).decode() for n in sheets)
        strings = z.read("xl/sharedStrings.xml").decode()
        workbook = z.read("xl/workbook.xml").decode()
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(sheets) == 10 and "<f>" not in xml and "<f " not in xml
    assert "&apos;=HYPERLINK" in strings or "'=HYPERLINK" in strings
    assert "&apos;@SUM" in strings or "'@SUM" in strings
    for name in ("Summary", "Share of voice", "Sentiment", "Topics", "Documents", "Alerts",
                 "Coverage", "Daily", "Daily sentiment", "Mentions"):
        assert f'name="{name}"' in workbook
    assert len(charts) == 3
    # Headers in words, dates as date cells (numbers with a date format), yes/no for flags.
    assert "Share previous period" in strings and "share_previous_period" not in strings
    daily = z_read(tmp_path / "r.xlsx", "xl/worksheets/sheet8.xml")
    assert re.search(r'<c r="A2" s="\d+"><v>4\d{4}</v></c>', daily)
    _csv(data, tmp_path / "r.csv")
    first = next(csv.reader((tmp_path / "r.csv").open().readlines()[1:]))
    assert first[0] == "'" + HOSTILE


def test_mentions_export_holds_every_document_the_share_counts(demo_run: dict[str, Any],
                                                               tmp_path: Path) -> None:
    """The report's mentions (CSV with --table mentions, the XLSX's Mentions sheet): one row per
    brand and document of the period, as many as the share table counts, sources by name."""
    day = (datetime.now(UTC) - timedelta(days=1)).date()
    period = ("--since", str(day - timedelta(days=29)), "--until", str(day))
    brands = _report(demo_run, tmp_path, "csv", *period)
    counted = {r["brand"]: int(r["mentions"]) for r in csv.DictReader(brands.open())}
    out = _report(demo_run, tmp_path, "csv", *period, "--table", "mentions")
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    per_brand: dict[str, int] = {}
    for r in rows:
        per_brand[r["Brand"]] = per_brand.get(r["Brand"], 0) + 1
    assert sum(counted.values()) > 100
    assert per_brand == {b: n for b, n in counted.items() if n}
    assert all(str(day - timedelta(days=29)) <= r["Published (UTC)"][:10] <= str(day)
               for r in rows)
    assert {r["Source"] for r in rows} >= {"Rad-Kurier (demo)", "Velo-Forum (demo)"}
    xlsx = _report(demo_run, tmp_path, "xlsx", *period)
    sheet = z_read(xlsx, "xl/worksheets/sheet10.xml")
    assert len(re.findall(r"<row ", sheet)) == len(rows) + 1
    proc = run_cli("report", "--workdir", str(demo_run["workdir"]), "--format", "html",
                   "--out", str(tmp_path / "x.html"), "--table", "mentions")
    assert proc.returncode == 2 and "--table chooses the table of a CSV" in proc.stderr


def z_read(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode()


def test_html_escapes_and_pdf_is_printed(demo_run: dict[str, Any], tmp_path: Path,
                                         artifacts: Path) -> None:
    html = _report(demo_run, tmp_path, "html").read_text()
    assert "Summary" in html and "Most positive and most negative mentions" in html
    assert not re.search(r"<script", html, re.IGNORECASE)
    pdf = _report(demo_run, tmp_path, "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    shutil.copy(pdf, artifacts / "report.pdf")
    assert shutil.which("pdftoppm"), "pdftoppm missing: scripts/setup.sh installs poppler-utils"
    for old in artifacts.glob("report-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(artifacts / "report-page")],
                   check=True, timeout=120)
    pages = sorted(artifacts.glob("report-page-*.png"))
    assert 2 <= len(pages) <= 8
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Competitor report" in text and "Share of voice" in text and "Voltaro" in text
