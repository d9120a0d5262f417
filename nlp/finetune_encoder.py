"""Fine-tune the top layers of the e5 encoder for sentiment (a development tool; needs PyTorch).

Frozen multilingual-e5 embeddings with a linear classifier stop at about 0.69 macro-F1 on VADER
dev; updating the encoder's top layers lets the sentence embedding itself carry sentiment. The
data and splits are those of :mod:`brandradar.nlp.train_sentiment`: VADER train and the
project's authored sentences (which count ``AUTHORED_WEIGHT`` times), and with ``--shared`` the
German and Russian sets of :mod:`brandradar.nlp.sentiment_corpora` (PotTS, RuSentNE-2023,
RuOpinionNE-2024, CEDR at ``CEDR_WEIGHT``). English has three times the examples of German, so
with ``--shared`` every epoch draws the same number of training examples from each language
(balanced sampling, as many as the smallest language has) — otherwise the shared layers
learn mostly English. Dev scores are printed per epoch and the layers of the epoch with the best
dev score are written: the mean over languages of each language's mean over its dev sets.

The engine runs 4-bit weights, so training is quantisation-aware: the forward pass uses the Q4_0
rounding of each trained matrix (gradients pass straight through the rounding), and what was
measured in training is what the engine computes. Layers below ``--layers`` are run once and
their output cached. The result is the changed tensors only, written with
:func:`brandradar.nlp.e5_file.save_patch` to ``models/e5-sentiment-layers.npz``; then
``python -m brandradar.nlp.train_sentiment`` fits the shipped classifier on the patched engine's
embeddings.

``make finetune`` installs PyTorch (CPU, 2.13.0) into the environment and runs
``python -m brandradar.nlp.finetune_encoder VADER_DIR`` (≈ 15 minutes on 2 cores): the recipe of
the shipped layers. ``--shared ../shared/data`` is the multilingual recipe (docs/quality.md has
what it measured; ≈ 14 minutes for the lower layers of 41,000 texts and ≈ 19 minutes an epoch).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from brandradar.nlp.e5_file import E5File, save_patch, tensor_bytes
from brandradar.nlp.encoder import MAX_CHARS, PATCH_PATH, base_model_path
from brandradar.nlp.sentiment_corpora import Example, load_all, yardstick
from brandradar.nlp.sentiment_model import CLASSES
from brandradar.nlp.train_sentiment import load_authored, load_vader, weights_for

AUTHORED_WEIGHT = 10.0
# CEDR's emotion → polarity mapping is approximate; train_sentiment chose 0.3 for it on dev.
CEDR_WEIGHT = 0.3
_LINEAR = ("q", "k", "v", "ao", "fi", "fo")
_NORMS = ("aln", "oln")


def _build(torch: Any, f: E5File, first: int, trainable: bool) -> Any:
    """Torch modules for the encoder layers from ``first`` up, initialised from the file."""
    nn, fn = torch.nn, torch.nn.functional

    class QuantRound(torch.autograd.Function):
        """Q4_0 rounding in the forward pass, identity in the backward pass."""

        @staticmethod
        def forward(ctx: Any, w: Any) -> Any:
            blocks = w.reshape(-1, 32)
            signed_max = blocks.gather(1, blocks.abs().argmax(1, keepdim=True))
            scale = (signed_max / -8.0).half().float()
            inverse = torch.where(scale != 0, 1.0 / scale, torch.zeros_like(scale))
            q = torch.clamp(torch.floor(blocks * inverse + 8.5), 0, 15) - 8
            return (q * scale).reshape(w.shape)

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            return grad

    class Layer(nn.Module):  # type: ignore[name-defined]
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index
            self.p = nn.ParameterDict({
                f"{k}_{s}": nn.Parameter(torch.tensor(f.tensor(f"l{index}.{k}.{s}")),
                                         requires_grad=trainable)
                for k in (*_LINEAR, *_NORMS) for s in ("w", "b")})

        def w(self, k: str) -> Any:
            return QuantRound.apply(self.p[f"{k}_w"])

        def forward(self, x: Any, mask: Any) -> Any:
            batch, seq, hidden = x.shape
            hd = hidden // f.heads

            def heads(k: str) -> Any:
                return fn.linear(x, self.w(k), self.p[f"{k}_b"]).view(
                    batch, seq, f.heads, hd).transpose(1, 2)

            att = heads("q") @ heads("k").transpose(-1, -2) / math.sqrt(hd) + mask[:, None, None, :]
            ctx = (att.softmax(-1) @ heads("v")).transpose(1, 2).reshape(batch, seq, hidden)
            x = fn.layer_norm(x + fn.linear(ctx, self.w("ao"), self.p["ao_b"]), (hidden,),
                              self.p["aln_w"], self.p["aln_b"], f.eps)
            mid = fn.gelu(fn.linear(x, self.w("fi"), self.p["fi_b"]))
            return fn.layer_norm(x + fn.linear(mid, self.w("fo"), self.p["fo_b"]), (hidden,),
                                 self.p["oln_w"], self.p["oln_b"], f.eps)

    return nn.ModuleList([Layer(i) for i in range(first, f.layers)]) if trainable else [
        Layer(i) for i in range(first)]


def _embedder(torch: Any, f: E5File) -> Any:
    """The embedding layer: token ids (padded batch) → first hidden states and padding mask."""
    fn = torch.nn.functional
    word = f.tensor("emb.word")  # 96 M weights: dequantised once, rows gathered per batch
    pos = torch.tensor(f.tensor("emb.pos").reshape(-1, f.hidden))
    kind = torch.tensor(f.tensor("emb.type")[:f.hidden])
    norm_w, norm_b = torch.tensor(f.tensor("emb.ln.w")), torch.tensor(f.tensor("emb.ln.b"))

    def embed(ids: list[list[int]]) -> tuple[Any, Any]:
        seq = max(map(len, ids))
        padded = np.zeros((len(ids), seq), np.int64)
        keep = np.zeros((len(ids), seq), np.float32)
        for j, row in enumerate(ids):
            padded[j, :len(row)], keep[j, :len(row)] = row, 1
        x = torch.tensor(word[padded]) + pos[:seq] + kind
        return fn.layer_norm(x, (f.hidden,), norm_w, norm_b, f.eps), torch.tensor(keep)

    return embed


def _criterion(scores: dict[str, float]) -> float:
    """What picks the epoch that is written: the mean over groups of each group's mean over its
    dev sets (keys ``group/set_dev_macro_f1``). With the shared sets a group is a language, as
    when :mod:`brandradar.nlp.train_sentiment` chooses a head's settings; without them the
    groups are VADER and the authored sets."""
    by_lang: dict[str, list[float]] = {}
    for key, value in scores.items():
        by_lang.setdefault(key.split("/")[0], []).append(value)
    return float(np.mean([np.mean(v) for v in by_lang.values()]))


def _corpus_weights(examples: Sequence[Example]) -> np.ndarray:
    """Every example's weight by its corpus (authored, CEDR, the rest), whatever its language:
    :func:`brandradar.nlp.train_sentiment.weights_for` with other languages at full weight."""
    return weights_for(examples, "", 1.0, AUTHORED_WEIGHT, CEDR_WEIGHT)


def _epoch_rows(train: list[int], examples: list[Example], weights: np.ndarray | None,
                rng: random.Random) -> list[int]:
    """The training rows of one epoch: all of them (``train`` shuffled in place, as the
    English-only recipe always did) without ``weights``, or else balanced: as many per language
    as the smallest language has, drawn with probability proportional to each row's weight (an
    epoch then costs about what an English-only epoch did)."""
    if weights is None:
        rng.shuffle(train)
        return train
    by_lang: dict[str, list[int]] = {}
    for i in train:
        by_lang.setdefault(examples[i].lang, []).append(i)
    per_lang = min(len(rows) for rows in by_lang.values())
    out: list[int] = []
    for rows in by_lang.values():
        out += rng.choices(rows, weights=weights[rows].tolist(), k=per_lang)
    rng.shuffle(out)
    return out


def finetune(folder: Path, layers: int = 6, epochs: int = 3, lr: float = 2e-4,
             out: Path = PATCH_PATH, seed: int = 0,
             shared: Path | None = None) -> dict[str, object]:
    """Train the top ``layers`` layers plus a linear head; write the changed tensors."""
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    torch.manual_seed(seed)
    rng = random.Random(seed)
    f = E5File(base_model_path())
    examples = [*load_vader(folder), *load_authored(), *(load_all(shared) if shared else [])]
    examples = [e for e in examples if e.split != "test"]
    texts = [e.text for e in examples]
    labels = np.array([CLASSES.index(e.label) for e in examples])
    split = [e.split for e in examples]
    corpus_weight = _corpus_weights(examples)
    # Balanced sampling already applies the weights by drawing; the loss then weighs alike.
    draw = corpus_weight if shared else None
    weight = (np.ones_like(corpus_weight) if shared else corpus_weight).astype(np.float32)
    # Without the shared sets the epoch is chosen as before: VADER dev and the authored dev sets
    # (one per language) weigh alike.
    group = [f"{e.lang}/{yardstick(e)}" if shared else
             "vader/VADER" if e.corpus == "VADER" else f"authored/{e.lang}" for e in examples]
    ids = [f.token_ids(t[:MAX_CHARS]) for t in texts]
    first = f.layers - layers
    frozen, trained = _build(torch, f, first, False), _build(torch, f, first, True)
    states: list[Any] = [None] * len(ids)
    embed = _embedder(torch, f)
    started = time.monotonic()
    with torch.no_grad():
        by_length = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for s in range(0, len(by_length), 64):
            chunk = by_length[s:s + 64]
            x, keep = embed([ids[i] for i in chunk])
            for layer in frozen:
                x = layer(x, (1 - keep) * -1e9)
            for j, i in enumerate(chunk):
                states[i] = x[j, :len(ids[i])].half()

    print(json.dumps({"texts": len(ids), "lower_layers_seconds": round(time.monotonic() - started)}),
          flush=True)

    def run(batch: list[int]) -> Any:
        seq = max(len(states[i]) for i in batch)
        x = torch.zeros(len(batch), seq, f.hidden)
        keep = torch.zeros(len(batch), seq)
        for j, i in enumerate(batch):
            x[j, :len(states[i])], keep[j, :len(states[i])] = states[i].float(), 1
        for layer in trained:
            x = layer(x, (1 - keep) * -1e9)
        pooled = (x * keep[..., None]).sum(1) / keep.sum(1, keepdim=True)
        return torch.nn.functional.normalize(pooled, dim=-1)

    train = [i for i, s in enumerate(split) if s == "train"]
    head = torch.nn.Linear(f.hidden, len(CLASSES))
    # Start the head where a logistic regression on the untuned embeddings ends, so the first
    # steps tune the encoder instead of undoing a random head.
    with torch.no_grad():
        pooled = np.concatenate([run(train[s:s + 128]).numpy() for s in range(0, len(train), 128)])
    start = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced").fit(
        pooled, labels[train], sample_weight=weight[train])
    with torch.no_grad():
        head.weight.copy_(torch.tensor(start.coef_, dtype=torch.float32))
        head.bias.copy_(torch.tensor(start.intercept_, dtype=torch.float32))
    counts = np.bincount(labels[train], weights=weight[train], minlength=len(CLASSES))
    class_weight = torch.tensor(counts.sum() / (len(CLASSES) * counts), dtype=torch.float32)
    batches_per_epoch = math.ceil(len(_epoch_rows(list(train), examples, draw,
                                                  random.Random(seed))) / 32)
    opt = torch.optim.AdamW([{"params": trained.parameters(), "lr": lr},
                             {"params": head.parameters(), "lr": 3e-3}], weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=[lr, 3e-3], total_steps=epochs * batches_per_epoch, pct_start=0.1,
        anneal_strategy="linear")

    def dev_scores() -> dict[str, float]:
        scores = {}
        for name in sorted({group[i] for i in range(len(ids)) if split[i] == "dev"}):
            idx = [i for i in range(len(ids)) if split[i] == "dev" and group[i] == name]
            with torch.no_grad():
                pred = np.concatenate([head(run(idx[s:s + 128])).argmax(1).numpy()
                                       for s in range(0, len(idx), 128)])
            scores[f"{name}_dev_macro_f1"] = round(float(
                f1_score(labels[idx], pred, average="macro")), 4)
        return scores

    best: tuple[int, dict[str, float], dict[str, np.ndarray]] | None = None
    for epoch in range(epochs):
        rows = _epoch_rows(train, examples, draw, rng)
        # Batches of similar length (from runs of 1,600 shuffled texts) waste less on padding.
        runs = [sorted(rows[s:s + 1600], key=lambda i: len(states[i]))
                for s in range(0, len(rows), 1600)]
        batches = [r[b:b + 32] for r in runs for b in range(0, len(r), 32)]
        rng.shuffle(batches)
        for batch in batches:
            loss = (torch.nn.functional.cross_entropy(
                head(run(batch)), torch.tensor(labels[batch]), weight=class_weight,
                reduction="none") * torch.tensor(weight[batch])).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        scores = dev_scores()
        print(json.dumps({"epoch": epoch + 1, "seconds": round(time.monotonic() - started),
                          **scores}), flush=True)
        if best is None or _criterion(scores) > _criterion(best[1]):
            best = (epoch + 1, scores, {
                f"l{layer.index}.{key.replace('_', '.')}": param.detach().numpy().copy()
                for layer in trained for key, param in layer.p.items()})
    assert best is not None
    save_patch(out, f, {name: tensor_bytes(f.tensors[name].kind, value)
                        for name, value in best[2].items()})
    return {"layers": layers, "epochs": epochs, "best_epoch": best[0], "lr": lr,
            "authored_weight": AUTHORED_WEIGHT, "balanced": shared is not None, **best[1]}


def main() -> None:
    """Command line: VADER_DIR [--shared SHARED_DATA --layers N --epochs N --lr X]."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("vader_dir", type=Path)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--shared", type=Path, help="../shared/data: add the de/ru sets")
    args = parser.parse_args()
    print(json.dumps(finetune(args.vader_dir, args.layers, args.epochs, args.lr,
                              shared=args.shared), indent=2))


if __name__ == "__main__":
    main()
