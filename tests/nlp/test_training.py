"""The training path of the shipped sentiment classifier, on real data: the project's own
sentences and the first 300 tweets of the VADER ground truth."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from brandradar.nlp.scores import sentiment_scores
from brandradar.nlp.sentiment_model import SentimentModel
from brandradar.nlp.train_sentiment import authored_split, load_authored, train

VADER = Path(__file__).resolve().parents[1] / "fixtures" / "sentiment_en"


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


def test_training_writes_a_model_that_the_product_loads(tmp_path: Path) -> None:
    small = tmp_path / "vader"
    small.mkdir()
    lines = (VADER / "tweets_groundtruth.tsv").read_text(encoding="utf-8").splitlines()
    (small / "tweets_groundtruth.tsv").write_text("\n".join(lines[:301]) + "\n", encoding="utf-8")
    out = tmp_path / "model.npz"
    summary = train(small, None, out)
    assert summary["authored_train_examples"] == sum(
        authored_split(e.key) == "train" for e in load_authored())
    assert summary["C"] in (0.3, 1.0, 3.0)
    model = SentimentModel(out.read_bytes())
    dev = [e for e in load_authored() if authored_split(e.key) == "dev"]
    labels = [verdict for verdict, _ in model.judge([e.text for e in dev])]
    assert sentiment_scores([e.label for e in dev], labels)["macro_f1"] >= 0.7
