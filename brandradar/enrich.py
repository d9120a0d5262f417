"""The enrich stage: documents → enriched documents + mentions (Parquet), per source and day,
then story clusters over all documents.

Every row carries the versions of the components that produced it (``versions``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from brandradar.config import Brand
from brandradar.crawlers.parsers import garbled_share
from brandradar.index.manifest import Partition, scan
from brandradar.model import ENRICHED_SCHEMA, MENTION_SCHEMA
from brandradar.nlp.encoder import DIM, PLAIN_VERSION, embed_plain
from brandradar.nlp.events import Article, leads
from brandradar.nlp.langid import detect
from brandradar.nlp.pipeline import Annotator
from brandradar.nlp.stories import CLUSTERED_KINDS, STORIES_VERSION, WINDOW, StoryDoc, regroup
from brandradar.parquet import is_current, partitions, read_rows, write_rows
from brandradar.urls import stable_id

log = logging.getLogger(__name__)
# Up to 1 % replacement characters is an odd symbol here and there; more is a wrong charset.
MAX_GARBLED = 0.01


def pseudonym(author: str | None, source: str, key: str) -> str | None:
    """Keyed hash of an author name, per source: stable for segments, not reversible."""
    if not author:
        return None
    digest = hmac.new(key.encode(), f"{source}\x1f{author}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def key_id(key: str) -> str:
    """A short id of a pseudonym key that does not reveal it (an HMAC of a constant)."""
    return hmac.new(key.encode(), b"brandradar pseudonym key id", hashlib.sha256).hexdigest()[:12]


def enrich_source(source: str, workdir: Path, brands: list[Brand], author_key: str,
                  annotator: Annotator | None = None, force: bool = False,
                  out: Path | None = None) -> dict[str, int]:
    """Enrich the documents partitions of one source that changed since they were enriched
    (all of them with ``force``, e.g. after a model or brand change); return counts.

    Enriched and mention rows go to ``out`` (default: the work directory itself; reprocessing
    writes a new model version beside the active rows, see :mod:`brandradar.reprocess`).
    """
    annotator = annotator or Annotator(brands)
    out = out or workdir
    counts = {"documents": 0, "mentions": 0, "unscored_mentions": 0, "uncounted_mentions": 0,
              "garbled_documents": 0, "partitions_skipped": 0}
    # A changed brands file, model version or pseudonym key re-enriches everything of the
    # source (a rotated key re-pseudonymises every author; the marker holds a key id, not the
    # key).
    fingerprint = f"{annotator.definitions_hash()}:{key_id(author_key)}"
    marker = out / "enriched" / f"source={source}" / ".fingerprint"
    force = force or not marker.exists() or marker.read_text() != fingerprint
    for path in partitions(workdir, "documents", source):
        rel = path.relative_to(workdir / "documents").parent
        done = [out / "enriched" / rel / "enriched.parquet",
                out / "mentions" / rel / "mentions.parquet"]
        if not force and all(is_current(d, [path]) for d in done):
            counts["partitions_skipped"] += 1
            continue
        docs = []
        for d in read_rows([path]):
            # Text decoded with a wrong charset is garbage to every model: refused, not guessed.
            if garbled_share(d["text"]) > MAX_GARBLED:
                counts["garbled_documents"] += 1
                log.warning("%s enrich: %s refused: %.0f %% of its text is replacement "
                            "characters (wrong charset)", source, d["url"],
                            100 * garbled_share(d["text"]))
                continue
            docs.append(d)
        langs = [detect(d["text"], d.get("language")) for d in docs]
        notes = annotator.annotate((d["text"], lang) for d, lang in zip(docs, langs, strict=True))
        enriched: list[dict[str, Any]] = []
        mentions: list[dict[str, Any]] = []
        for d, a in zip(docs, notes, strict=True):
            enriched.append({
                "doc_id": d["doc_id"], "source": d["source"], "source_kind": d["source_kind"],
                "url": d["url"], "domain": d["domain"], "title": d["title"], "text": d["text"],
                "published": d["published"], "fetched": d["fetched"], "language": a.lang,
                "author_pseudonym": pseudonym(d["author"], d["source"], author_key),
                "rating": d["rating"], "product": d["product"], "key_phrases": a.key_phrases,
                "story_id": "", "versions": annotator.versions,
                "post_id": d["post_id"], "reply_to": d["reply_to"],
            })
            for m in a.mentions:
                mentions.append({
                    "mention_id": stable_id(d["doc_id"], m.brand, str(m.start)),
                    "doc_id": d["doc_id"], "brand": m.brand, "brand_role": m.role,
                    "start": m.start, "end": m.end, "matched": m.matched,
                    "sentiment": m.sentiment, "score": m.score, "span_text": m.span_text,
                    "source": d["source"], "source_kind": d["source_kind"], "domain": d["domain"],
                    "language": a.lang, "published": d["published"], "story_id": "",
                    "versions": annotator.versions, "kind": m.kind,
                    "in_boilerplate": m.in_boilerplate, "counted": m.counted,
                })
                counts["unscored_mentions"] += m.sentiment == "unscored" and m.kind == "brand" \
                    and not m.in_boilerplate
                counts["uncounted_mentions"] += not m.counted
        write_rows(done[0], enriched, ENRICHED_SCHEMA)
        write_rows(done[1], mentions, MENTION_SCHEMA)
        counts["documents"] += len(enriched)
        counts["mentions"] += len(mentions)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(fingerprint)
    return counts


def cluster_stories(workdir: Path, cache: Path | None = None) -> dict[str, int]:
    """Assign story ids (copies and reports of one event, see :mod:`brandradar.nlp.stories`)
    to the documents of partitions that changed since the last run, and regroup the news and
    blog articles published within :data:`~brandradar.nlp.stories.WINDOW` of them (only links
    that touch a document of a changed partition are found anew: the stories of the others
    stay as they are, see :func:`~brandradar.nlp.stories.regroup`); write the ids into
    enriched and mention rows of every partition whose rows change.

    A run without a record of the last (``state/stories.json``), or after the story method
    changed, regroups everything. ``cache``: the work directory whose lead embeddings to use
    (default ``workdir``; a reprocessed version shares its project's).
    """
    record = workdir / "state" / "stories.json"
    parts = scan(workdir)
    done = _stories_record(record)
    changed = [p for f, p in parts.items() if done.get(f) != p.signature]
    rows = {r["doc_id"]: (r, p.folder) for p in changed for r in read_rows([p.enriched])}
    arrived = set(rows)
    dated = [r["published"] for r, _ in rows.values()
             if r["published"] is not None and r["source_kind"] in CLUSTERED_KINDS]
    if dated:
        nearby = _articles_between(parts.values(), min(dated) - WINDOW, max(dated) + WINDOW)
        for doc_id, found in nearby.items():
            rows.setdefault(doc_id, found)
    docs = [StoryDoc(r["doc_id"], r["source_kind"], r["published"], r["title"] or "",
                     r["text"]) for r, _ in rows.values()]
    where = cache or workdir

    def embed(articles: Sequence[Article]) -> np.ndarray:
        found = lead_vectors(where, articles)
        return np.array([found[a.doc_id] for a in articles], dtype=np.float32).reshape(-1, DIM)

    story = regroup(docs, {d: r["story_id"] for d, (r, _) in rows.items()}, embed, arrived)
    folders = sorted({folder for doc_id, (r, folder) in rows.items()
                      if r["story_id"] != story[doc_id] or STORIES_VERSION not in r["versions"]})
    rewritten = 0
    for folder in folders:
        for path, schema in ((parts[folder].enriched, ENRICHED_SCHEMA),
                             (parts[folder].mentions, MENTION_SCHEMA)):
            part = read_rows([path]) if path.exists() else []
            before = [(r["story_id"], r["versions"]) for r in part]
            for r in part:
                r["story_id"] = story.get(r["doc_id"], r["story_id"] or r["doc_id"])
                # An older story method's tag is replaced, not kept beside the new one.
                kept = [v for v in r["versions"].split(";") if not v.startswith("stories-")]
                r["versions"] = ";".join([*kept, STORIES_VERSION])
            # Only a partition whose rows changed is written: an unchanged one keeps its
            # signature, and the index does not take it in again.
            if before != [(r["story_id"], r["versions"]) for r in part]:
                write_rows(path, part, schema)
                rewritten += 1
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"version": STORIES_VERSION, "partitions": {
        f: p.signature for f, p in scan(workdir).items()}}))
    return {"documents": len(story), "stories": len(set(story.values())),
            "partitions_rewritten": rewritten}


def _stories_record(path: Path) -> dict[str, str]:
    """Partition signatures as the last stories run left them (empty: regroup everything)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
        partitions: dict[str, str] = data["partitions"]
        return partitions if data["version"] == STORIES_VERSION else {}
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("stories: %s is unreadable (%s); every story is regrouped", path, exc)
        return {}


def _articles_between(parts: Iterable[Partition], since: datetime,
                      until: datetime) -> dict[str, tuple[dict[str, Any], str]]:
    """News and blog articles published in [since, until], from every partition (row groups
    outside the period are skipped by their statistics): doc id → (row, folder)."""
    wanted = ((pc.field("published") >= since) & (pc.field("published") <= until)
              & pc.field("source_kind").isin(list(CLUSTERED_KINDS)))
    columns = ["doc_id", "source_kind", "published", "title", "text", "story_id", "versions"]
    out: dict[str, tuple[dict[str, Any], str]] = {}
    for p in parts:
        table = ds.dataset(p.enriched, format="parquet").to_table(columns=columns, filter=wanted)
        for r in table.to_pylist():
            out[r["doc_id"]] = (r, p.folder)
    return out


def lead_vectors(workdir: Path, articles: Sequence[Article]) -> dict[str, np.ndarray]:
    """The lead embedding of each article, by doc id. Each is computed once and kept in
    ``state/lead-vectors.parquet`` by a hash of encoder and lead (65 ms a lead on one core; the
    file holds no text), so a run embeds only leads it has not seen."""
    path = workdir / "state" / "lead-vectors.parquet"
    keys = {a.doc_id: hashlib.sha1(f"{PLAIN_VERSION}\x1f{lead}".encode()).hexdigest()
            for a, lead in zip(articles, leads(articles), strict=True)}
    known: dict[str, np.ndarray] = {}
    if path.exists():
        try:
            table = pq.read_table(path).to_pydict()
            known = {k: np.asarray(v, dtype=np.float32)
                     for k, v in zip(table["key"], table["vector"], strict=True)}
        except (pa.ArrowException, KeyError, OSError) as exc:
            log.warning("stories: %s is unreadable (%s); lead embeddings are computed anew",
                        path, exc)
    missing = [a for a in articles if keys[a.doc_id] not in known]
    if missing:
        known.update(zip((keys[a.doc_id] for a in missing), embed_plain(leads(missing)),
                         strict=True))
        table = pa.table({"key": list(known), "vector": [v.tolist() for v in known.values()]})
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    return {doc_id: known[k] for doc_id, k in keys.items()}
