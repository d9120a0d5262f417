"""Train the shipped sentiment classifier: logistic regression on e5 sentence embeddings.

Training data: the VADER ground truth (MIT; tweets, movie and product reviews, news editorials
with mean human ratings), three classes by the mean rating (≥ 0.5 positive, ≤ -0.5 negative,
else neutral). Every text is assigned to train (70 %), dev (10 %) or test (20 %) by a hash of
its file and id, so the split never changes; the regularisation strength is chosen on dev, the
model is fitted on train, and test is only used by the quality report. The encoder is
multilingual, so a classifier trained on English transfers to German and Russian; no German or
Russian sentiment data with a licence that allows shipping exists (../shared/data/INVENTORY.md).

``python -m brandradar.nlp.train_sentiment VADER_DIR [CACHE_DIR]`` writes
``nlp/models/sentiment-e5.npz``. scikit-learn is a development dependency: only training needs
it; the shipped model is two numpy arrays applied by :mod:`brandradar.nlp.sentiment_model`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brandradar.nlp.encoder import ENCODER_VERSION, embed
from brandradar.nlp.scores import sentiment_scores

CLASSES = ("negative", "neutral", "positive")
MODEL_PATH = Path(__file__).parent / "models" / "sentiment-e5.npz"


@dataclass(frozen=True)
class Example:
    """One rated text of the VADER ground truth."""

    key: str
    text: str
    label: str


def vader_label(mean_rating: float) -> str:
    """Three classes from VADER's mean human rating (-4 … +4)."""
    return "positive" if mean_rating >= 0.5 else "negative" if mean_rating <= -0.5 else "neutral"


def load_vader(folder: Path) -> list[Example]:
    """All texts of the four ground-truth files, keyed ``file:id``."""
    out = []
    for f in sorted(folder.glob("*_groundtruth.tsv")):
        with f.open(encoding="utf-8", errors="replace") as fh:
            for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                out.append(Example(f"{f.stem}:{row['id']}", row["text"],
                                   vader_label(float(row["mean_sentiment"]))))
    return out


def split_of(key: str) -> str:
    """train / dev / test, fixed by a hash of the example's key."""
    bucket = int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % 10
    return "train" if bucket < 7 else "dev" if bucket == 7 else "test"


def cached_embeddings(texts: list[str], cache: Path | None) -> np.ndarray:
    """Embed texts, reusing a cache file named by the texts' hash and the encoder version."""
    if cache is None:
        return embed(texts)
    digest = hashlib.sha1("\x00".join([ENCODER_VERSION, *texts]).encode()).hexdigest()[:16]
    path = cache / f"e5-{digest}.npy"
    if path.exists():
        return np.load(path)
    vectors = embed(texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def train(folder: Path, cache: Path | None, out: Path = MODEL_PATH) -> dict[str, object]:
    """Fit, choose C on dev, save weights and a summary; returns the summary."""
    from sklearn.linear_model import LogisticRegression

    data = load_vader(folder)
    vectors = cached_embeddings([e.text for e in data], cache)
    parts = {s: [i for i, e in enumerate(data) if split_of(e.key) == s] for s in ("train", "dev")}
    x_train, y_train = vectors[parts["train"]], [data[i].label for i in parts["train"]]
    x_dev, y_dev = vectors[parts["dev"]], [data[i].label for i in parts["dev"]]
    best: tuple[float, float, LogisticRegression] | None = None
    for c in (0.3, 1.0, 3.0, 10.0, 30.0):
        clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        clf.fit(x_train, y_train)
        score = sentiment_scores(y_dev, list(clf.predict(x_dev)))["macro_f1"]
        print(f"C={c}: dev macro-F1 {score:.3f}")
        if best is None or score > best[0]:
            best = (score, c, clf)
    assert best is not None
    score, c, clf = best
    order = [list(clf.classes_).index(k) for k in CLASSES]
    summary: dict[str, object] = {
        "encoder": ENCODER_VERSION, "classes": list(CLASSES), "C": c,
        "train_examples": len(parts["train"]), "dev_examples": len(parts["dev"]),
        "dev_macro_f1": round(score, 4), "data": "VADER ground truth (MIT), splits by sha1(key)",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, weights=clf.coef_[order].astype(np.float32),
                        bias=clf.intercept_[order].astype(np.float32),
                        summary=np.array(json.dumps(summary)))
    return summary


def main() -> None:
    """Command line: VADER_DIR [CACHE_DIR]."""
    cache = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    print(json.dumps(train(Path(sys.argv[1]), cache), indent=2))


if __name__ == "__main__":
    main()
