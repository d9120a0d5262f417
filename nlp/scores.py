"""Sentiment scores as the shared tasks define them (accuracy = micro-F1, macro-F1, macro-F1
over positive and negative as in SentiRuEval), for training and for the quality report alike."""

from __future__ import annotations

from collections.abc import Iterable

LABELS = ("positive", "negative", "neutral")


def f1_per_class(gold: list[str], pred: list[str], classes: Iterable[str]) -> dict[str, float]:
    """F1 of each class."""
    out = {}
    for c in classes:
        tp = sum(g == c and p == c for g, p in zip(gold, pred, strict=True))
        fp = sum(g != c and p == c for g, p in zip(gold, pred, strict=True))
        fn = sum(g == c and p != c for g, p in zip(gold, pred, strict=True))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        out[c] = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return out


def sentiment_scores(gold: list[str], pred: list[str]) -> dict[str, float]:
    """Accuracy (= micro-F1), macro-F1, macro-F1 over positive and negative, per-class F1."""
    per = f1_per_class(gold, pred, LABELS)
    return {"accuracy": sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold),
            "macro_f1": sum(per.values()) / 3,
            "macro_f1_pos_neg": (per["positive"] + per["negative"]) / 2,
            **{f"f1_{c}": v for c, v in per.items()}}
