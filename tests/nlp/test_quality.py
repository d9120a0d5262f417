"""Quality floors of the enrich stage: measured on the permissive English set always, and on the
German and Russian sets when ../shared/data is present (skipped otherwise). The floors on the full
sets embed thousands of texts: they are marked ``quality`` and run by ``make eval``, not by
``make test``."""

from __future__ import annotations

from pathlib import Path

import pytest

from brandradar.nlp.evaluation import (
    eval_authored,
    eval_corpora,
    eval_english,
    eval_german,
    eval_russian,
    sentiment_scores,
)

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
NONCOMMERCIAL = SHARED / "eval_only_noncommercial"


def test_metrics_on_a_known_case() -> None:
    gold = ["positive", "negative", "neutral", "neutral"]
    pred = ["positive", "neutral", "neutral", "negative"]
    s = sentiment_scores(gold, pred)
    assert s["accuracy"] == 0.5 and s["f1_positive"] == 1.0 and s["f1_negative"] == 0.0
    assert s["macro_f1_pos_neg"] == 0.5


@pytest.mark.quality
def test_english_floor() -> None:
    ours, vader, majority = eval_english(ROOT / "tests" / "fixtures" / "sentiment_en")
    assert ours.n == 4697  # the test split only: the classifier was trained on the train split
    assert ours.scores["macro_f1"] >= 0.73  # measured 0.742; the target is 0.78 (docs/quality.md)
    assert ours.scores["macro_f1"] > vader.scores["macro_f1"] + 0.1
    assert ours.scores["macro_f1"] > majority.scores["macro_f1"] + 0.4


def test_authored_sentences_floor() -> None:
    rows = eval_authored()
    ours = {r.lang: r for r in rows if r.system.startswith("brandradar")}
    lexicon = {r.lang: r for r in rows if r.system == "lexicon"}
    assert sorted(ours) == ["de", "en", "ru"] and all(r.n >= 50 for r in ours.values())
    # measured de 0.926, en 0.910, ru 0.947 (these sentences helped choose each head's settings
    # and the encoder fine-tuning configuration)
    assert all(r.scores["macro_f1"] >= 0.85 for r in ours.values())
    assert all(ours[k].scores["macro_f1"] > lexicon[k].scores["macro_f1"] for k in ours)


@pytest.mark.quality
@pytest.mark.skipif(not NONCOMMERCIAL.is_dir(), reason="measuring-only data not present")
def test_german_and_russian_floors() -> None:
    rel, ours, lexicon, majority = eval_german(NONCOMMERCIAL / "germeval_2017_test_syn")
    assert rel.scores["f1"] >= 0.91  # measured 0.928; the target is 0.95
    # measured 0.422 (0.465 with the single head of sentiment-2: the German head learned from
    # 2013 political tweets calls more neutral railway texts positive or negative)
    assert ours.scores["macro_f1"] >= 0.41
    assert ours.scores["macro_f1"] > max(lexicon.scores["macro_f1"], majority.scores["macro_f1"])
    ru_ours, ru_lexicon, _, ru_found = eval_russian(NONCOMMERCIAL / "sentirueval_2016_banks")
    assert ru_ours.scores["macro_f1_pos_neg"] >= 0.51  # measured 0.526; the target is 0.58
    assert ru_ours.scores["macro_f1_pos_neg"] > ru_lexicon.scores["macro_f1_pos_neg"] + 0.2
    assert ru_found.scores["recall"] >= 0.97  # names in any written form; measured 0.984


@pytest.mark.quality
@pytest.mark.skipif(not (SHARED / "sentiment_de_potts").is_dir(), reason="shared data not present")
def test_german_and_russian_training_corpora_floors() -> None:
    rows = eval_corpora(SHARED)
    ours = {r.lang: r for r in rows if r.system.startswith("brandradar")}
    # the lexicon and the majority class
    others = {lang: max(r.scores["macro_f1"] for r in rows
                        if r.lang == lang and not r.system.startswith("brandradar"))
              for lang in ("de", "ru")}
    assert ours["de"].n == 1529 and ours["ru"].n == 1444  # test parts only
    assert ours["de"].scores["macro_f1"] >= 0.61  # measured 0.629 (PotTS test)
    assert ours["ru"].scores["macro_f1"] >= 0.48  # measured 0.499 (RuSentNE + RuOpinionNE)
    assert all(ours[k].scores["macro_f1"] > others[k] + 0.15 for k in ("de", "ru"))
