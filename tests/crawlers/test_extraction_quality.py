"""Extraction quality gate: F1 floors on the gold pages, and docs/extraction_quality.md in sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from brandradar.crawlers.extraction_eval import (
    BEGIN,
    END,
    evaluate,
    gold_pages,
    render_table,
    score,
)

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "tests" / "fixtures" / "extraction"


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, float]]:
    return evaluate(gold_pages(GOLD))


def test_scoring_counts_boilerplate_and_missing_text() -> None:
    gold = "one two three four five six seven eight"
    assert score(gold, gold).f1 == 1.0
    noisy = score(gold + " share on facebook follow us now", gold)
    assert noisy.recall == 1.0 and noisy.precision < 1.0
    partial = score("one two three four five", gold)
    assert partial.precision == 1.0 and partial.recall < 0.5


@pytest.mark.slow
def test_f1_floors(results: dict[str, dict[str, float]]) -> None:
    assert results["all"]["pages"] == 341
    assert results["all"]["f1"] >= 0.94
    assert results["zyte"]["f1"] >= 0.93
    assert results["fundus"]["f1"] >= 0.93
    assert results["fundus/de"]["f1"] >= 0.93


@pytest.mark.slow
def test_docs_table_is_current(results: dict[str, dict[str, float]]) -> None:
    doc = (ROOT / "docs" / "extraction_quality.md").read_text()
    table = doc.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert table == render_table(results).strip(), "run `make eval`"
