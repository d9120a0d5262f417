"""Quality floors of the enrich stage: measured on the permissive English set always, and on the
German and Russian measuring-only sets when ../shared/data is present (skipped otherwise)."""

from __future__ import annotations

from pathlib import Path

import pytest

from brandradar.nlp.evaluation import eval_english, eval_german, eval_russian, sentiment_scores

ROOT = Path(__file__).resolve().parents[2]
NONCOMMERCIAL = ROOT.parent / "shared" / "data" / "eval_only_noncommercial"


def test_metrics_on_a_known_case() -> None:
    gold = ["positive", "negative", "neutral", "neutral"]
    pred = ["positive", "neutral", "neutral", "negative"]
    s = sentiment_scores(gold, pred)
    assert s["accuracy"] == 0.5 and s["f1_positive"] == 1.0 and s["f1_negative"] == 0.0
    assert s["macro_f1_pos_neg"] == 0.5


@pytest.mark.slow
def test_english_floor() -> None:
    ours, majority = eval_english(ROOT / "tests" / "fixtures" / "sentiment_en")
    assert ours.n == 23703
    assert ours.scores["macro_f1"] >= 0.54  # measured 0.562; the target is 0.75 (docs/quality.md)
    assert ours.scores["macro_f1"] > majority.scores["macro_f1"] + 0.3


@pytest.mark.slow
@pytest.mark.skipif(not NONCOMMERCIAL.is_dir(), reason="measuring-only data not present")
def test_german_and_russian_floors() -> None:
    rel, ours, majority, _ = eval_german(NONCOMMERCIAL / "germeval_2017_test_syn")
    assert rel.scores["f1"] >= 0.88  # measured 0.908
    assert ours.scores["macro_f1"] > majority.scores["macro_f1"]
    ru = eval_russian(NONCOMMERCIAL / "sentirueval_2016_banks")
    assert ru[0].scores["macro_f1"] > ru[1].scores["macro_f1"]
    assert ru[-1].scores["recall"] >= 0.85  # bank names found in inflected forms; measured 0.893
