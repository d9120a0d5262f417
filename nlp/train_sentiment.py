"""Train the shipped sentiment classifier: one logistic-regression head per language on e5
sentence embeddings.

Training data (every set's licence allows shipping a model; ../shared/data/INVENTORY.md):
- the VADER ground truth (MIT; English tweets, movie and product reviews, news editorials with
  mean human ratings), three classes by the mean rating (≥ 0.5 positive, ≤ -0.5 negative, else
  neutral); train 70 % / dev 10 % / test 20 % by a hash of file and id;
- the project's own sentences (``training/authored_*.tsv``, CC0, see ``training/README.md``):
  brand-listening text in German, English and Russian labelled by what it means for the brand;
  train 70 % / dev 30 % by a hash of the label and the sentence's place among its label's
  sentences (the files are near-translations, so most versions of a sentence land on one side);
- PotTS (German tweets, MIT), RuSentNE-2023 and RuOpinionNE-2024 (Russian entity-level news
  sentiment, MIT), CEDR (Russian emotions mapped to polarity, Apache-2.0), read and split by
  :mod:`brandradar.nlp.sentiment_corpora` when ``SHARED_DATA`` is given.

One head per language, because one shared head lost about 0.06 macro-F1 in German and English
when the Russian news set was added to it: each head trains on every language (the encoder is
multilingual, so what is learned in one transfers), with the other languages' examples down-
weighted. Per language the regularisation strength C, the weight of the other languages, of an
authored sentence and (Russian) of CEDR are chosen on that language's dev sets (the mean
macro-F1 over them); then the neutral class is calibrated per language: an offset added to the
neutral logit, chosen on the same dev sets (on real German tweets the failure was neutral text
called positive or negative). Test parts are only read by ``make eval``.

``python -m brandradar.nlp.train_sentiment VADER_DIR [CACHE_DIR] [SHARED_DATA]`` writes
``nlp/models/sentiment-e5.npz`` (``--out`` elsewhere; a missing data folder is refused). scikit-learn
is a development dependency: only training needs it; the shipped model is numpy arrays applied
by :mod:`brandradar.nlp.sentiment_model`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np

from brandradar.nlp.encoder import DIM, ENCODER_VERSION, embed
from brandradar.nlp.scores import sentiment_scores
from brandradar.nlp.sentiment_corpora import Example, load_all, yardstick
from brandradar.nlp.sentiment_model import CLASSES, LANGS, MODEL_FILE

MODEL_PATH = Path(__file__).parent / MODEL_FILE
AUTHORED_DIR = Path(__file__).parent / "training"
NEUTRAL = CLASSES.index("neutral")

# The grid each language's head is chosen from (small: every point is a fit on ~50k examples).
C_VALUES = (0.3, 1.0)
OTHER_LANGUAGE_WEIGHTS = (0.1, 0.3, 1.0)
AUTHORED_WEIGHTS = (3.0, 10.0)
CEDR_WEIGHTS = (0.0, 0.3, 1.0)
NEUTRAL_OFFSETS = tuple(x / 4 for x in range(-4, 9))


def vader_label(mean_rating: float) -> str:
    """Three classes from VADER's mean human rating (-4 … +4)."""
    return "positive" if mean_rating >= 0.5 else "negative" if mean_rating <= -0.5 else "neutral"


def split_of(key: str) -> str:
    """train / dev / test of a VADER text, fixed by a hash of its key."""
    bucket = int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % 10
    return "train" if bucket < 7 else "dev" if bucket == 7 else "test"


def load_vader(folder: Path) -> list[Example]:
    """All texts of the four ground-truth files, keyed ``file:id``."""
    out = []
    for f in sorted(folder.glob("*_groundtruth.tsv")):
        with f.open(encoding="utf-8", errors="replace") as fh:
            for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                key = f"{f.stem}:{row['id']}"
                out.append(Example(key, row["text"], vader_label(float(row["mean_sentiment"])),
                                   "en", split_of(key), "VADER"))
    return out


def authored_split(key: str) -> str:
    """train (70 %) / dev (30 %) of an authored sentence, the same in every language."""
    _, label, n = key.split(":")
    bucket = int(hashlib.sha1(f"{label}:{n}".encode()).hexdigest()[:8], 16) % 10
    return "dev" if bucket >= 7 else "train"


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
                key = f"{row['lang']}:{row['label']}:{prefix}{n}"
                out.append(Example(key, row["text"], row["label"], row["lang"],
                                   authored_split(key), "authored"))
    return out


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


def embed_examples(examples: Sequence[Example], cache: Path | None) -> np.ndarray:
    """Embeddings of examples in their order, embedded (and cached) one corpus at a time."""
    out = np.zeros((len(examples), DIM), dtype=np.float32)
    for corpus in dict.fromkeys(e.corpus for e in examples):
        rows = [i for i, e in enumerate(examples) if e.corpus == corpus]
        out[rows] = cached_embeddings([examples[i].text for i in rows], cache)
    return out


def logits(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Class logits in :data:`CLASSES` order."""
    return np.asarray(x @ weights.T + bias)


def predict(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> list[str]:
    """Labels of the largest logit."""
    return [CLASSES[i] for i in np.argmax(logits(x, weights, bias), axis=1)]


def fit_head(x: np.ndarray, y: Sequence[str], sample_weight: np.ndarray,
             c: float) -> tuple[np.ndarray, np.ndarray]:
    """A balanced three-class logistic regression: (weights 3×384, bias 3) in CLASSES order."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    clf.fit(x, list(y), sample_weight=sample_weight)
    order = [list(clf.classes_).index(k) for k in CLASSES]
    return clf.coef_[order].astype(np.float32), clf.intercept_[order].astype(np.float32)


@dataclass(frozen=True)
class DevSet:
    """One yardstick for choosing a language's head."""

    name: str
    rows: list[int]


def dev_sets(examples: Sequence[Example], lang: str) -> list[DevSet]:
    """The dev parts a language's head is chosen on: its real corpora (entity-level Russian
    corpora count as one) and the authored sentences in that language."""
    groups: dict[str, list[int]] = {}
    for i, e in enumerate(examples):
        if e.lang == lang and e.split == "dev":
            groups.setdefault(yardstick(e), []).append(i)
    return [DevSet(name, rows) for name, rows in sorted(groups.items())]


def weights_for(examples: Sequence[Example], lang: str, other: float, authored: float,
                cedr: float) -> np.ndarray:
    """Sample weight of every example for the head of ``lang``."""
    out = np.ones(len(examples))
    for i, e in enumerate(examples):
        w = authored if e.corpus == "authored" else cedr if e.corpus == "CEDR" else 1.0
        out[i] = w if e.lang == lang else w * other
    return out


def dev_score(x: np.ndarray, gold: Sequence[str], sets: Sequence[DevSet],
              head: tuple[np.ndarray, np.ndarray], offset: float = 0.0) -> dict[str, float]:
    """Macro-F1 per dev set with ``offset`` added to the neutral logit, and their mean."""
    weights, bias = head
    shifted = bias.copy()
    shifted[NEUTRAL] += offset
    out = {s.name: sentiment_scores([gold[i] for i in s.rows],
                                    predict(x[s.rows], weights, shifted))["macro_f1"]
           for s in sets}
    out["mean"] = float(np.mean(list(out.values())))
    return out


def train_head(examples: Sequence[Example], x: np.ndarray, lang: str) -> dict[str, Any]:
    """Choose and fit the head of one language; returns its arrays and what was chosen."""
    train_rows = [i for i, e in enumerate(examples) if e.split == "train"]
    sets = dev_sets(examples, lang)
    gold = [e.label for e in examples]
    x_train, y_train = x[train_rows], [gold[i] for i in train_rows]
    train_examples = [examples[i] for i in train_rows]
    has_cedr = any(e.corpus == "CEDR" for e in train_examples)
    cedr_grid = CEDR_WEIGHTS if has_cedr and lang == "ru" else (0.3,) if has_cedr else (1.0,)
    best: dict[str, Any] | None = None
    for c, other, authored, cedr in product(C_VALUES, OTHER_LANGUAGE_WEIGHTS, AUTHORED_WEIGHTS,
                                            cedr_grid):
        head = fit_head(x_train, y_train, weights_for(train_examples, lang, other, authored, cedr),
                        c)
        score = dev_score(x, gold, sets, head)
        print(lang, f"C {c} other {other} authored {authored} cedr {cedr}:",
              ", ".join(f"{k} {v:.3f}" for k, v in score.items()), flush=True)
        if best is None or score["mean"] > best["dev"]["mean"]:
            best = {"C": c, "other_language_weight": other, "authored_weight": authored,
                    "cedr_weight": cedr, "head": head, "dev": score}
    assert best is not None
    offsets = {o: dev_score(x, gold, sets, best["head"], o) for o in NEUTRAL_OFFSETS}
    offset = max(offsets, key=lambda o: (offsets[o]["mean"], -abs(o)))
    weights, bias = best["head"]
    bias = bias.copy()
    bias[NEUTRAL] += offset
    print(lang, f"neutral offset {offset}:", offsets[offset], flush=True)
    return {**best, "head": (weights, bias), "neutral_offset": offset, "dev_calibrated":
            offsets[offset], "dev_sets": {s.name: len(s.rows) for s in sets}}


def train(folder: Path, cache: Path | None, out: Path = MODEL_PATH,
          authored: Path = AUTHORED_DIR, shared: Path | None = None) -> dict[str, object]:
    """Fit one head per language, save weights and a summary; returns the summary."""
    examples = [*load_vader(folder), *load_authored(authored), *(load_all(shared) if shared else [])]
    x = embed_examples(examples, cache)
    # Any: numpy's stub reads ** keywords as its allow_pickle flag.
    arrays: dict[str, Any] = {}
    heads: dict[str, object] = {}
    for lang in LANGS:
        chosen = train_head(examples, x, lang)
        arrays[f"weights_{lang}"], arrays[f"bias_{lang}"] = chosen["head"]
        heads[lang] = {k: (round(v, 4) if isinstance(v, float) else
                           {n: round(s, 4) for n, s in v.items()} if isinstance(v, dict) else v)
                       for k, v in chosen.items() if k != "head"}
    counts: dict[str, int] = {}
    for e in examples:
        counts[f"{e.corpus}:{e.split}"] = counts.get(f"{e.corpus}:{e.split}", 0) + 1
    summary: dict[str, object] = {
        "encoder": ENCODER_VERSION, "classes": list(CLASSES), "heads": heads,
        "examples": dict(sorted(counts.items())),
        "authored_train_examples": counts.get("authored:train", 0),
        "data": "VADER ground truth (MIT), brandradar authored sentences (CC0)"
                + (", PotTS, RuSentNE-2023, RuOpinionNE-2024 (MIT), CEDR (Apache-2.0)"
                   if shared else ""),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays, summary=np.array(json.dumps(summary)))
    return summary


def main() -> None:
    """Command line: VADER_DIR [CACHE_DIR] [SHARED_DATA] [--out MODEL_FILE]."""
    parser = argparse.ArgumentParser(
        description="Train the shipped sentiment classifier: one head per language.")
    parser.add_argument("vader_dir", type=Path, help="the VADER ground truth folder")
    parser.add_argument("cache", type=Path, nargs="?", help="where embeddings are cached")
    parser.add_argument("shared", type=Path, nargs="?", help="../shared/data: add the de/ru sets")
    parser.add_argument("--out", type=Path, default=MODEL_PATH,
                        help=f"where the model is written (default: {MODEL_PATH})")
    args = parser.parse_args()
    # A mistyped folder would otherwise train on the authored sentences alone and overwrite
    # the shipped model with a weaker one.
    for folder in (args.vader_dir, args.shared):
        if folder is not None and not folder.is_dir():
            parser.error(f"no such folder: {folder}")
    print(json.dumps(train(args.vader_dir, args.cache, args.out, shared=args.shared), indent=2))


if __name__ == "__main__":
    main()
