"""Train the shipped sentiment classifier: logistic regression on e5 sentence embeddings.

Training data:
- the VADER ground truth (MIT; tweets, movie and product reviews, news editorials with mean human
  ratings), three classes by the mean rating (≥ 0.5 positive, ≤ -0.5 negative, else neutral).
  Every text is assigned to train (70 %), dev (10 %) or test (20 %) by a hash of its file and id,
  so the split never changes; test is only used by the quality report;
- the project's own sentences (``training/authored_{de,en,ru}.tsv``, CC0, written for brandradar,
  see ``training/README.md``): brand-listening text in German, English and Russian — customer
  posts, questions and news — labelled by what the text means for the brand, so that news of a
  recall, a fine or an outage is negative and a test win is positive. Split train 70 % / dev 30 %
  by a hash of the label and the sentence's place among its label's sentences (the three files
  are near-translations in mostly the same order, so most versions of a sentence land on the
  same side).

The regularisation strength C and the weight of an authored sentence are chosen together on the
mean of two dev scores (VADER dev macro-F1 and authored dev macro-F1); the model is fitted on the
train parts. The encoder is multilingual, so what is learned in one language transfers to the
others; no German or Russian sentiment corpus with a licence that allows shipping exists
(../shared/data/INVENTORY.md).

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
from brandradar.nlp.sentiment_model import CLASSES, MODEL_FILE

MODEL_PATH = Path(__file__).parent / MODEL_FILE
AUTHORED_DIR = Path(__file__).parent / "training"


@dataclass(frozen=True)
class Example:
    """One labelled text (VADER ground truth or the project's own sentences)."""

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


def load_authored(folder: Path = AUTHORED_DIR) -> list[Example]:
    """The project's own labelled sentences, keyed ``lang:label:n`` (n-th sentence of the label).

    ``authored_{lang}.tsv`` holds the first set; a further set ``authored_{set}_{lang}.tsv``
    numbers its sentences ``{set}-n``, so adding a set leaves the keys (and splits) of the others
    as they were.
    """
    out = []
    for f in sorted(folder.glob("authored_*.tsv")):
        prefix = "".join(f"{part}-" for part in f.stem.split("_")[1:-1])
        seen: dict[str, int] = {}
        with f.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                n = seen[row["label"]] = seen.get(row["label"], -1) + 1
                out.append(Example(f"{row['lang']}:{row['label']}:{prefix}{n}", row["text"],
                                   row["label"]))
    return out


def authored_split(key: str) -> str:
    """train (70 %) / dev (30 %) of an authored sentence, the same in every language."""
    _, label, n = key.split(":")
    bucket = int(hashlib.sha1(f"{label}:{n}".encode()).hexdigest()[:8], 16) % 10
    return "dev" if bucket >= 7 else "train"


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


def train(folder: Path, cache: Path | None, out: Path = MODEL_PATH,
          authored: Path = AUTHORED_DIR) -> dict[str, object]:
    """Fit, choose C and the authored weight on dev, save weights and a summary."""
    from sklearn.linear_model import LogisticRegression

    vader, own = load_vader(folder), load_authored(authored)
    vectors = cached_embeddings([e.text for e in vader], cache)
    own_vectors = cached_embeddings([e.text for e in own], cache)
    part = {s: [i for i, e in enumerate(vader) if split_of(e.key) == s] for s in ("train", "dev")}
    own_part = {s: [i for i, e in enumerate(own) if authored_split(e.key) == s]
                for s in ("train", "dev")}
    x_train = np.vstack([vectors[part["train"]], own_vectors[own_part["train"]]])
    y_train = [vader[i].label for i in part["train"]] + [own[i].label for i in own_part["train"]]
    x_dev, y_dev = vectors[part["dev"]], [vader[i].label for i in part["dev"]]
    x_own, y_own = own_vectors[own_part["dev"]], [own[i].label for i in own_part["dev"]]
    best: tuple[float, dict[str, float], LogisticRegression] | None = None
    for c in (0.3, 1.0, 3.0):
        for weight in (1.0, 3.0, 10.0, 30.0):
            sample_weight = [1.0] * len(part["train"]) + [weight] * len(own_part["train"])
            clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
            clf.fit(x_train, y_train, sample_weight=sample_weight)
            dev = {"C": c, "authored_weight": weight,
                   "vader_dev_macro_f1": sentiment_scores(y_dev, list(clf.predict(x_dev)))["macro_f1"],
                   "authored_dev_macro_f1": sentiment_scores(y_own, list(clf.predict(x_own)))["macro_f1"]}
            score = (dev["vader_dev_macro_f1"] + dev["authored_dev_macro_f1"]) / 2
            print(", ".join(f"{k} {v:.3f}" for k, v in dev.items()))
            if best is None or score > best[0]:
                best = (score, dev, clf)
    assert best is not None
    _, dev, clf = best
    order = [list(clf.classes_).index(k) for k in CLASSES]
    summary: dict[str, object] = {
        "encoder": ENCODER_VERSION, "classes": list(CLASSES),
        **{k: round(v, 4) for k, v in dev.items()},
        "train_examples": len(part["train"]), "authored_train_examples": len(own_part["train"]),
        "dev_examples": len(part["dev"]), "authored_dev_examples": len(own_part["dev"]),
        "data": "VADER ground truth (MIT) split by sha1(key); brandradar authored sentences (CC0)",
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
