"""The shipped sentiment classifier: e5 sentence embeddings → three-class logistic regression.

Weights live in ``models/sentiment-e5.npz`` (trained by :mod:`brandradar.nlp.train_sentiment`,
described in ``models/MODEL_CARD.md``). Clauses are embedded in batches and remembered, so a
syndicated copy or a repeated sentence is embedded once per process.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import OrderedDict
from functools import lru_cache
from importlib import resources

import numpy as np

from brandradar.nlp.encoder import ENCODER_VERSION, embed

__all__ = ["ENCODER_VERSION", "SentimentModel", "model"]

CLASSES = ("negative", "neutral", "positive")
MODEL_FILE = "models/sentiment-e5.npz"
_CACHE_SIZE = 50_000


class SentimentModel:
    """Probabilities of negative / neutral / positive for short texts."""

    def __init__(self, data: bytes) -> None:
        arrays = np.load(io.BytesIO(data))
        self.weights = arrays["weights"]
        self.bias = arrays["bias"]
        self.summary = json.loads(str(arrays["summary"]))
        self.version = "e5clf-" + hashlib.sha1(data).hexdigest()[:8]
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """One row (negative, neutral, positive) per text."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            logits = embed(missing) @ self.weights.T + self.bias
            logits -= logits.max(axis=1, keepdims=True)
            probs = np.exp(logits)
            probs /= probs.sum(axis=1, keepdims=True)
            for text, row in zip(missing, probs, strict=True):
                self._cache[text] = row
                if len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        out = np.zeros((len(texts), len(CLASSES)), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self._cache[text]
            self._cache.move_to_end(text)
        return out

    def judge(self, texts: list[str]) -> list[tuple[str, float]]:
        """(label, score) per text; the score is P(positive) − P(negative) in [-1, 1]."""
        probs = self.probabilities(texts)
        return [(CLASSES[int(np.argmax(row))], float(row[2] - row[0])) for row in probs]


@lru_cache(maxsize=1)
def model() -> SentimentModel:
    """The shipped model (loaded once per process)."""
    return SentimentModel(resources.files("brandradar.nlp").joinpath(MODEL_FILE).read_bytes())
