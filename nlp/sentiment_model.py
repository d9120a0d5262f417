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

    def __init__(self, data: bytes, cache_size: int = _CACHE_SIZE) -> None:
        arrays = np.load(io.BytesIO(data))
        self.weights = arrays["weights"]
        self.bias = arrays["bias"]
        self.summary = json.loads(str(arrays["summary"]))
        self.version = "e5clf-" + hashlib.sha1(data).hexdigest()[:8]
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """One row (negative, neutral, positive) per text."""
        found = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            logits = embed(missing) @ self.weights.T + self.bias
            logits -= logits.max(axis=1, keepdims=True)
            probs = np.exp(logits)
            probs /= probs.sum(axis=1, keepdims=True)
            found.update(zip(missing, probs, strict=True))
        # The answer is built before the cache is trimmed, so an entry evicted to make room is
        # never one this call still has to return.
        out = np.array([found[t] for t in texts], dtype=np.float32).reshape(len(texts), len(CLASSES))
        for text, row in found.items():
            self._cache[text] = row
            self._cache.move_to_end(text)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return out

    def judge(self, texts: list[str]) -> list[tuple[str, float]]:
        """(label, score) per text; the score is P(positive) − P(negative) in [-1, 1]."""
        probs = self.probabilities(texts)
        return [(CLASSES[int(np.argmax(row))], float(row[2] - row[0])) for row in probs]


@lru_cache(maxsize=1)
def model() -> SentimentModel:
    """The shipped model (loaded once per process)."""
    return SentimentModel(resources.files("brandradar.nlp").joinpath(MODEL_FILE).read_bytes())
