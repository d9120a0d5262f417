"""A project's own sentiment heads, trained from its label corrections (``brandradar label train``).

A team's corrections are few (tens to hundreds) and drawn from its own sources, so a head
learned from them alone would forget everything the shipped head knows. Each language's head
starts from the shipped one and moves toward the team's labels: a multinomial logistic
regression on the encoder's embeddings whose weights are penalised by their squared distance
from the shipped head (``STRENGTH`` × ‖W − W₀‖²), so a handful of corrections nudges and many
corrections reshape. Languages without corrections keep the shipped head. Fitted by gradient
descent in numpy: a few seconds on a CPU for thousands of corrections, no training library at
run time.

``STRENGTH`` and ``BIAS_STRENGTH`` were chosen by the simulation in :func:`simulate` on the dev
parts of the shared sets (never their test parts), resampled to the prior of a listening stream
(60 % neutral, 25 % negative, 15 % positive) — a project's mentions differ from the training
sets first in how often each class occurs. Over VADER, PotTS and RuSentNE dev with k = 50 and
200, strength 0.3 / bias strength 0.1 gained most (+0.030 mean macro-F1; 0.1–1 for the
weights and 0.001–1 for the biases were tried). With the class-balanced rows of the shipped
training, or the dev parts as they are, every setting lost a little: the shipped head already
knows those sets. The curve for k = 50, 200, 500 corrections drawn from each set's test part,
and from the measuring-only sets (a domain no head was trained on), is in docs/quality.md,
written by ``make eval``
(``python -m brandradar.nlp.project_head VADER_DIR SHARED_DATA DOC.md [CACHE_DIR]``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from brandradar.nlp.scores import sentiment_scores
from brandradar.nlp.sentiment_corpora import Example
from brandradar.nlp.sentiment_model import CLASSES, LANGS, SentimentModel

STRENGTH = 0.3
BIAS_STRENGTH = 0.1
_STEPS = 300


def fit_head(x: np.ndarray, y: Sequence[str], weights: np.ndarray, bias: np.ndarray,
             strength: float = STRENGTH,
             bias_strength: float = BIAS_STRENGTH) -> tuple[np.ndarray, np.ndarray]:
    """Move a head (weights 3×d, bias 3) toward labelled embeddings ``x``; returns the new head.

    Minimises the mean cross-entropy on (x, y) plus ``strength`` × ‖W − W₀‖² and
    ``bias_strength`` × ‖b − b₀‖². Rows are not re-weighted by class: how often a project's
    mentions are neutral, negative or positive is what its corrections teach first (the biases,
    held loosely), how a text reads is held close to the shipped weights.
    """
    target = np.zeros((len(y), len(CLASSES)), dtype=np.float64)
    target[np.arange(len(y)), [CLASSES.index(label) for label in y]] = 1.0
    x64 = x.astype(np.float64)
    w0, b0 = weights.astype(np.float64), bias.astype(np.float64)
    w, b = w0.copy(), b0.copy()
    # Adam: the loss is convex, so a fixed number of steps at a fixed rate converges the same
    # way for every project.
    m_w, v_w, m_b, v_b = (np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b))
    rate, beta1, beta2 = 0.05, 0.9, 0.999
    for step in range(1, _STEPS + 1):
        logits = x64 @ w.T + b
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        delta = (probs - target) / max(len(y), 1)
        grad_w = delta.T @ x64 + 2 * strength * (w - w0)
        grad_b = delta.sum(axis=0) + 2 * bias_strength * (b - b0)
        for p, g, m, v in ((w, grad_w, m_w, v_w), (b, grad_b, m_b, v_b)):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            p -= rate * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + 1e-8)
    return w.astype(np.float32), b.astype(np.float32)


def project_model(base: SentimentModel, texts: Sequence[str], labels: Sequence[str],
                  langs: Sequence[str]) -> bytes:
    """The bytes of a model file: the base heads, moved toward the corrections per language."""
    # Any: numpy's stub reads ** keywords as its allow_pickle flag.
    arrays: dict[str, Any] = {}
    counts: dict[str, int] = {}
    x = base.embeddings(list(texts))
    for lang in LANGS:
        weights, bias = base.head(lang)
        rows = [i for i, lg in enumerate(langs) if lg == lang]
        if rows:
            weights, bias = fit_head(x[rows], [labels[i] for i in rows], weights, bias)
        counts[lang] = len(rows)
        arrays[f"weights_{lang}"], arrays[f"bias_{lang}"] = weights, bias
    summary = {**base.summary, "project": {"base": base.version, "corrections": counts,
                                           "strength": STRENGTH,
                                           "bias_strength": BIAS_STRENGTH}}
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays, summary=np.array(json.dumps(summary)))
    return buf.getvalue()


def save_project_model(data: bytes, folder: Path) -> Path:
    """Write a project model file named by its content; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"sentiment-project-{hashlib.sha1(data).hexdigest()[:8]}.npz"
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def simulate(x: np.ndarray, gold: Sequence[str], base: tuple[np.ndarray, np.ndarray],
             ks: Sequence[int], draws: int = 5, strength: float = STRENGTH,
             bias_strength: float = BIAS_STRENGTH,
             seed: int = 0) -> dict[int, tuple[float, float]]:
    """Macro-F1 of the base head and of project heads fitted on ``k`` examples drawn from
    (x, gold) and scored on the rest: {k: (base, project)}, means over ``draws`` draws."""
    rng = np.random.default_rng(seed)
    out = {}
    for k in ks:
        if k >= len(gold):
            continue
        before: list[float] = []
        after: list[float] = []
        for _ in range(draws):
            pick = rng.permutation(len(gold))
            train, rest = pick[:k], pick[k:]
            head = fit_head(x[train], [gold[i] for i in train], *base, strength=strength,
                            bias_strength=bias_strength)
            rest_gold = [gold[i] for i in rest]
            for heads, scores in ((base, before), (head, after)):
                predicted = np.argmax(x[rest] @ heads[0].T + heads[1], axis=1)
                scores.append(sentiment_scores(rest_gold, [CLASSES[i] for i in predicted])
                              ["macro_f1"])
        out[k] = (float(np.mean(before)), float(np.mean(after)))
    return out


BEGIN = "<!-- project head: written by `make eval` -->"
END = "<!-- end of project head -->"


def out_of_domain(shared: Path) -> list[list[Example]]:
    """The measuring-only sets (GermEval 2017 test_syn documents; SentiRuEval-2016 tweets that
    name one bank), when present: a project's own domain that no head was trained on. Used
    only to measure the simulation — the throwaway heads fitted in it are never shipped."""
    csv.field_size_limit(10_000_000)
    out: list[list[Example]] = []
    germeval = shared / "eval_only_noncommercial" / "germeval_2017_test_syn" / \
        "test_syn-2017-09-15.tsv"
    if germeval.exists():
        with germeval.open(encoding="utf-8") as fh:
            out.append([Example(f"germeval:{n}", r["text"], r["sentiment"], "de", "test",
                                "GermEval 2017 test_syn (measuring only)")
                        for n, r in enumerate(csv.DictReader(fh, delimiter="\t"))])
    banks = shared / "eval_only_noncommercial" / "sentirueval_2016_banks" / "banks_test_etalon.tsv"
    if banks.exists():
        names = {"-1": "negative", "0": "neutral", "1": "positive"}
        rows = []
        with banks.open(encoding="utf-8") as fh:
            for n, r in enumerate(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)):
                labels = [names[v.strip()] for k, v in r.items()
                          if k not in ("id", "twitid", "date", "text") and v
                          and v.strip() in names]
                if len(labels) == 1:
                    rows.append(Example(f"banks:{n}", r["text"], labels[0], "ru", "test",
                                        "SentiRuEval-2016 banks, one bank (measuring only)"))
        out.append(rows)
    return out


def curve_table(vader: Path, shared: Path, cache: Path | None, part: str = "test",
                strength: float = STRENGTH) -> str:
    """The simulation as a Markdown table: per set, k = 50, 200, 500 corrections drawn from its
    ``part`` and scored on the rest of it (5 draws each)."""
    from brandradar.nlp.sentiment_corpora import load_all, yardstick
    from brandradar.nlp.sentiment_model import model
    from brandradar.nlp.train_sentiment import embed_examples, load_vader

    examples = [e for e in [*load_vader(vader), *load_all(shared)] if e.split == part]
    shipped = model()
    out = [f"| set ({part} part) | lang | n | k | shipped head macro-F1 | project head macro-F1 |",
           "|---|---|---:|---:|---:|---:|"]
    sets: dict[str, list[Example]] = {}
    for e in [*examples, *(e for rows in out_of_domain(shared) for e in rows)]:
        sets.setdefault(yardstick(e), []).append(e)
    for name, rows in sets.items():
        x = embed_examples(rows, cache)
        curve = simulate(x, [e.label for e in rows], shipped.head(rows[0].lang), (50, 200, 500),
                         strength=strength)
        for k, (before, after) in curve.items():
            out.append(f"| {name} | {rows[0].lang} | {len(rows)} | {k} | {before:.3f} | "
                       f"{after:.3f} |")
    return "\n".join(out) + "\n"


def main() -> None:
    """Command line: VADER_DIR SHARED_DATA DOC.md [CACHE_DIR] — rewrite the simulation table
    between the markers of DOC.md."""
    from brandradar.doctables import write_between

    vader, shared, doc = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    cache = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    write_between(doc, BEGIN, END, curve_table(vader, shared, cache))


if __name__ == "__main__":
    main()
