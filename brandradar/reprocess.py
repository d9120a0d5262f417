"""Reprocess the archive with another model version beside the active rows, compare, switch.

``brandradar reprocess --workdir DIR`` enriches every stored document again with the current
components (or ``--sentiment lexicon``) into ``DIR/versions/<id>/``; the active
``enriched/`` and ``mentions/`` rows, the store and the dashboard stay as they are. It prints
what would change (mentions per brand, sentiment shares, labels that flip). ``--switch <id>``
then moves the active rows to ``versions/<old id>/`` (kept for a switch back), puts the new
ones in place and re-indexes. Crawling and extraction are never repeated: documents are read
from their Parquet partitions.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from brandradar.config import Brand
from brandradar.errors import ConfigError
from brandradar.parquet import partitions, read_rows

_STAGES = ("enriched", "mentions")
VERSION_FILE = "version.json"


def build_version(workdir: Path, brands: list[Brand], author_key: str,
                  sentiment: str = "model", topics: dict[str, list[str]] | None = None,
                  model: Path | None = None) -> tuple[str, dict[str, int]]:
    """Enrich all documents into ``versions/<id>``; return the id and counts.

    ``model``: a project's own sentiment model file (``brandradar label train``) inside the work
    directory; the version remembers it, so switching to the version makes it the model of
    every later run, and switching back restores the one before.
    """
    from brandradar.enrich import cluster_stories, enrich_source
    from brandradar.nlp.pipeline import Annotator

    relative = ""
    if model is not None:
        if not model.is_file():
            raise ConfigError(f"{model}: no such model file (brandradar label train writes one)")
        try:
            relative = str(model.resolve().relative_to(workdir.resolve()))
        except ValueError:
            raise ConfigError(f"{model}: a project model must be inside the work directory "
                              f"{workdir} (brandradar label train writes it there)") from None
    annotator = Annotator(brands, sentiment=sentiment, topics=topics,
                          model=str(workdir / relative) if relative else "")
    vid = annotator.definitions_hash()[:10]
    out = workdir / "versions" / vid
    sources = sorted({p.parent.parent.name.removeprefix("source=")
                      for p in partitions(workdir, "documents")})
    counts: Counter[str] = Counter()
    for source in sources:
        counts.update(enrich_source(source, workdir, brands, author_key, annotator, out=out))
    counts["stories"] = cluster_stories(out, cache=workdir)["stories"]
    (out / VERSION_FILE).write_text(json.dumps({"id": vid, "versions": annotator.versions,
                                            "model": relative}))
    return vid, dict(counts)


def active_model(workdir: Path) -> str:
    """The sentiment model file of the active rows ("" for the shipped model)."""
    path = workdir / "enriched" / VERSION_FILE
    relative = json.loads(path.read_text()).get("model", "") if path.exists() else ""
    if not relative:
        return ""
    model = workdir / relative
    if not model.is_file():
        raise ConfigError(f"{model}: the active version's sentiment model is missing (restore "
                          f"it, or switch to another version with brandradar reprocess --switch)")
    return str(model)


def active_id(workdir: Path) -> str | None:
    """Id of the active rows (None before the first switch)."""
    path = workdir / "enriched" / VERSION_FILE
    return json.loads(path.read_text())["id"] if path.exists() else None


def _summary(root: Path) -> dict[str, Any]:
    rows = read_rows(partitions(root, "mentions"))
    per_brand: dict[str, Counter[str]] = {}
    for r in rows:
        per_brand.setdefault(r["brand"], Counter())[r["sentiment"]] += 1
    labels = {r["mention_id"]: r["sentiment"] for r in rows}
    return {"mentions": len(rows), "per_brand": per_brand, "labels": labels}


def compare(workdir: Path, vid: str) -> dict[str, Any]:
    """Active rows against version ``vid``: mentions and sentiment shares per brand, flips."""
    old, new = _summary(workdir), _summary(workdir / "versions" / vid)
    same = old["labels"].keys() & new["labels"].keys()
    flips = Counter(f"{old['labels'][k]}→{new['labels'][k]}" for k in same
                    if old["labels"][k] != new["labels"][k])
    brands = sorted(old["per_brand"].keys() | new["per_brand"].keys())

    def shares(c: Counter[str] | None) -> dict[str, Any]:
        c = c or Counter()
        total = sum(c.values())
        return {"mentions": total, **{k: round(c[k] / total, 3) if total else 0.0
                                      for k in ("positive", "negative", "neutral", "unscored")}}

    return {"version": vid, "active_mentions": old["mentions"], "new_mentions": new["mentions"],
            "same_mentions": len(same), "label_changes": dict(flips.most_common()),
            "brands": {b: {"active": shares(old["per_brand"].get(b)),
                           "new": shares(new["per_brand"].get(b))} for b in brands}}


def switch(workdir: Path, vid: str) -> str:
    """Make version ``vid`` active; the previous rows move to ``versions/<their id>``."""
    new = workdir / "versions" / vid
    if not (new / VERSION_FILE).exists():
        raise ConfigError(f"{workdir}: no complete version {vid!r} (run reprocess first)")
    previous = active_id(workdir) or "before-" + vid
    keep = workdir / "versions" / previous
    if keep.exists():
        shutil.rmtree(keep)
    keep.mkdir(parents=True)
    for stage in _STAGES:
        if (workdir / stage).exists():
            os.replace(workdir / stage, keep / stage)
        os.replace(new / stage, workdir / stage)
    if (keep / "enriched" / VERSION_FILE).exists():
        os.replace(keep / "enriched" / VERSION_FILE, keep / VERSION_FILE)
    else:
        (keep / VERSION_FILE).write_text(json.dumps({"id": previous, "versions": "before versioning"}))
    os.replace(new / VERSION_FILE, workdir / "enriched" / VERSION_FILE)
    shutil.rmtree(new)
    return previous
