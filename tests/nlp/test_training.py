"""The training path of the shipped sentiment classifier, on real data: the project's own
sentences, the first 300 tweets of the VADER ground truth and real slices of PotTS, RuSentNE,
RuOpinionNE and CEDR."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from brandradar.nlp.scores import sentiment_scores
from brandradar.nlp.sentiment_model import SentimentModel
from brandradar.nlp.train_sentiment import (
    C_VALUES,
    CEDR_WEIGHTS,
    NEUTRAL_OFFSETS,
    authored_split,
    load_authored,
    main,
    train,
)

VADER = Path(__file__).resolve().parents[1] / "fixtures" / "sentiment_en"
CORPORA = Path(__file__).resolve().parents[1] / "fixtures" / "sentiment_corpora"


def test_authored_sentences_are_complete_and_split_with_their_translations() -> None:
    own = load_authored()
    per_lang = Counter(e.key.split(":")[0] for e in own)
    assert set(per_lang) == {"de", "en", "ru"} and min(per_lang.values()) >= 130
    assert {e.label for e in own} == {"negative", "neutral", "positive"}
    assert len({e.key for e in own}) == len(own)
    # the first set keeps plain numbers, the social set is numbered apart
    assert {e.key.split(":")[2].rpartition("-")[0] for e in own} == {"", "social"}
    # the n-th sentence of a label is on one side of the split in all three languages
    for e in own:
        _, label, n = e.key.split(":")
        assert {authored_split(f"{lang}:{label}:{n}") for lang in ("de", "en", "ru")} == \
            {authored_split(e.key)}
    dev_share = sum(authored_split(e.key) == "dev" for e in own) / len(own)
    assert 0.2 <= dev_share <= 0.4


@pytest.mark.long
def test_training_writes_a_head_per_language_that_the_product_loads(tmp_path: Path) -> None:
    small = tmp_path / "vader"
    small.mkdir()
    lines = (VADER / "tweets_groundtruth.tsv").read_text(encoding="utf-8").splitlines()
    (small / "tweets_groundtruth.tsv").write_text("\n".join(lines[:301]) + "\n", encoding="utf-8")
    out = tmp_path / "model.npz"
    summary = train(small, None, out, shared=CORPORA)
    own = load_authored()
    assert summary["authored_train_examples"] == sum(e.split == "train" for e in own)
    heads: Any = summary["heads"]
    assert set(heads) == {"de", "en", "ru"}
    # each language is chosen on its own real dev set and its authored sentences
    assert set(heads["de"]["dev_sets"]) == {"PotTS", "authored"}
    assert set(heads["ru"]["dev_sets"]) == {"RuSentNE+RuOpinionNE", "authored"}
    assert set(heads["en"]["dev_sets"]) == {"VADER", "authored"}
    assert heads["ru"]["cedr_weight"] in CEDR_WEIGHTS
    for head in heads.values():
        assert head["C"] in C_VALUES and head["neutral_offset"] in NEUTRAL_OFFSETS
        # the neutral offset is chosen on dev: never worse there than no offset
        assert head["dev_calibrated"]["mean"] >= head["dev"]["mean"]
    model = SentimentModel(out.read_bytes())
    assert set(model.heads) == {"de", "en", "ru"}
    assert not np.array_equal(model.heads["de"][0], model.heads["ru"][0])
    for lang in ("de", "en", "ru"):
        dev = [e for e in own if e.split == "dev" and e.lang == lang]
        labels = [verdict for verdict, _ in model.judge([e.text for e in dev], lang)]
        assert sentiment_scores([e.label for e in dev], labels)["macro_f1"] >= 0.7


def test_balanced_epochs_draw_each_language_alike_on_real_corpora() -> None:
    from brandradar.nlp.finetune_encoder import _corpus_weights, _criterion, _epoch_rows
    from brandradar.nlp.sentiment_corpora import load_all
    from brandradar.nlp.train_sentiment import load_vader

    examples = [*load_vader(VADER), *load_authored(), *load_all(CORPORA)]
    train_rows = [i for i, e in enumerate(examples) if e.split == "train"]
    per_lang = Counter(examples[i].lang for i in train_rows)
    rows = _epoch_rows(train_rows, examples, _corpus_weights(examples), random.Random(0))
    drawn = Counter(examples[i].lang for i in rows)
    # as many from every language as the smallest has, all drawn from the training part
    assert set(drawn.values()) == {min(per_lang.values())} and set(drawn) == set(per_lang)
    assert set(rows) <= set(train_rows)
    # CEDR (weight 0.3) is drawn less often per example than RuSentNE (weight 1)
    ru = Counter(examples[i].corpus for i in rows if examples[i].lang == "ru")
    ru_all = Counter(examples[i].corpus for i in train_rows if examples[i].lang == "ru")
    assert ru["CEDR"] / ru_all["CEDR"] < ru["RuSentNE-2023"] / ru_all["RuSentNE-2023"]
    # unbalanced: every training row once
    assert sorted(_epoch_rows(train_rows, examples, None, random.Random(0))) == \
        sorted(train_rows)
    # every language weighs alike in the choice, whatever its number of dev sets
    assert _criterion({"de/PotTS_dev_macro_f1": 0.6, "de/authored_dev_macro_f1": 0.8,
                       "en/VADER_dev_macro_f1": 0.4}) == pytest.approx(0.55)
    # without the shared sets as the shipped layers were chosen: VADER dev and authored dev alike
    assert _criterion({"vader/VADER_dev_macro_f1": 0.7, "authored/de_dev_macro_f1": 0.9,
                       "authored/en_dev_macro_f1": 0.8, "authored/ru_dev_macro_f1": 0.7}) == \
        pytest.approx(0.75)


def test_a_missing_data_folder_is_refused_before_the_model_is_touched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "model.npz"
    monkeypatch.setattr("sys.argv", ["train_sentiment", str(tmp_path / "vadr"), "--out", str(out)])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 2
    assert "no such folder" in capsys.readouterr().err and not out.exists()
    monkeypatch.setattr("sys.argv", ["train_sentiment", "--help"])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 0 and not out.exists()
