"""Quality floors of the enrich stage: measured on the permissive English set always, and on the
German and Russian measuring-only sets when ../shared/data is present (skipped otherwise)."""

from __future__ import annotations

from pathlib import Path

import pytest

from brandradar.nlp.evaluation import (
    eval_authored,
    eval_english,
    eval_german,
    eval_russian,
    sentiment_scores,
)

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
    ours, vader, majority = eval_english(ROOT / "tests" / "fixtures" / "sentiment_en")
    assert ours.n == 4697  # the test split only: the classifier was trained on the train split
    assert ours.scores["macro_f1"] >= 0.74  # measured 0.745; the target is 0.75 (docs/quality.md)
    assert ours.scores["macro_f1"] > vader.scores["macro_f1"] + 0.1
    assert ours.scores["macro_f1"] > majority.scores["macro_f1"] + 0.4


def test_authored_sentences_floor() -> None:
    rows = eval_authored()
    ours = {r.lang: r for r in rows if r.system.startswith("brandradar")}
    lexicon = {r.lang: r for r in rows if r.system == "lexicon"}
    assert sorted(ours) == ["de", "en", "ru"] and all(r.n >= 50 for r in ours.values())
    # measured de 0.942, en 0.895, ru 0.909 (these sentences chose C, their weight and the
    # encoder fine-tuning configuration)
    assert all(r.scores["macro_f1"] >= 0.85 for r in ours.values())
    assert all(ours[k].scores["macro_f1"] > lexicon[k].scores["macro_f1"] for k in ours)


@pytest.mark.slow
@pytest.mark.skipif(not NONCOMMERCIAL.is_dir(), reason="measuring-only data not present")
def test_german_and_russian_floors() -> None:
    rel, ours, lexicon, majority = eval_german(NONCOMMERCIAL / "germeval_2017_test_syn")
    assert rel.scores["f1"] >= 0.88  # measured 0.908
    assert ours.scores["macro_f1"] >= 0.45  # measured 0.460
    assert ours.scores["macro_f1"] > max(lexicon.scores["macro_f1"], majority.scores["macro_f1"])
    ru_ours, ru_lexicon, _, ru_found = eval_russian(NONCOMMERCIAL / "sentirueval_2016_banks")
    assert ru_ours.scores["macro_f1_pos_neg"] >= 0.50  # measured 0.509; the target is 0.55
    assert ru_ours.scores["macro_f1_pos_neg"] > ru_lexicon.scores["macro_f1_pos_neg"] + 0.2
    assert ru_found.scores["recall"] >= 0.85  # bank names found in inflected forms; measured 0.893
