"""The shipped sentiment classifier: e5 sentence embeddings → a three-class logistic regression
head per language.

Weights live in ``models/sentiment-e5.npz`` (trained by :mod:`brandradar.nlp.train_sentiment`,
described in ``models/MODEL_CARD.md``): ``weights_<lang>`` and ``bias_<lang>`` for every
language in :data:`LANGS`. Embeddings are remembered per text, so a syndicated copy or a repeated
sentence is embedded once per process, whichever head then reads it.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import OrderedDict
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from brandradar.nlp.encoder import DIM, ENCODER_VERSION, embed

__all__ = ["ENCODER_VERSION", "SentimentModel", "model"]

CLASSES = ("negative", "neutral", "positive")
LANGS = ("de", "en", "ru")
MODEL_FILE = "models/sentiment-e5.npz"
_CACHE_SIZE = 50_000


class SentimentModel:
    """Probabilities of negative / neutral / positive for short texts, per language."""

    def __init__(self, data: bytes, cache_size: int = _CACHE_SIZE) -> None:
        arrays = np.load(io.BytesIO(data))
        self.heads = {lang: (arrays[f"weights_{lang}"], arrays[f"bias_{lang}"])
                      for lang in LANGS if f"weights_{lang}" in arrays}
        if not self.heads and "weights" in arrays:
            # A model file from before the per-language heads: one head for every language.
            self.heads = {lang: (arrays["weights"], arrays["bias"]) for lang in LANGS}
        if not self.heads:
            raise ValueError("sentiment model: no head for any language")
        self.summary = json.loads(str(arrays["summary"]))
        self.version = "e5clf-" + hashlib.sha1(data).hexdigest()[:8]
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def head(self, lang: str) -> tuple[np.ndarray, np.ndarray]:
        """(weights, bias) of a language's head; English's for a language without one."""
        return self.heads.get(lang) or self.heads.get("en") or next(iter(self.heads.values()))

    def embeddings(self, texts: list[str]) -> np.ndarray:
        """One embedding per text, from the cache where the text was seen before."""
        found = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            found.update(zip(missing, embed(missing), strict=True))
        # The answer is built before the cache is trimmed, so an entry evicted to make room is
        # never one this call still has to return.
        out = np.array([found[t] for t in texts], dtype=np.float32).reshape(len(texts), DIM)
        for text, row in found.items():
            self._cache[text] = row
            self._cache.move_to_end(text)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return out

    def probabilities(self, texts: list[str], lang: str = "en") -> np.ndarray:
        """One row (negative, neutral, positive) per text, by the head of ``lang``."""
        weights, bias = self.head(lang)
        logits = self.embeddings(texts) @ weights.T + bias
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        return np.asarray(probs / probs.sum(axis=1, keepdims=True), dtype=np.float32)

    def judge(self, texts: list[str], lang: str = "en") -> list[tuple[str, float]]:
        """(label, score) per text; the score is P(positive) − P(negative) in [-1, 1]."""
        probs = self.probabilities(texts, lang)
        return [(CLASSES[int(np.argmax(row))], float(row[2] - row[0])) for row in probs]


@lru_cache(maxsize=4)
def model(path: str = "") -> SentimentModel:
    """The shipped model, or the model file at ``path`` (a project's own heads, see
    :mod:`brandradar.nlp.project_head`); each loaded once per process."""
    if path:
        return SentimentModel(Path(path).read_bytes())
    return SentimentModel(resources.files("brandradar.nlp").joinpath(MODEL_FILE).read_bytes())
