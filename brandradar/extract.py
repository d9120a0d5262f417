"""The extract stage: raw archive (WARC) → documents (Parquet), per source and day.

Idempotent: a partition's documents file is rebuilt from every WARC of that partition, the newest
fetch of a document winning. A page that cannot be parsed is named in the log and counted; the rest
of the partition goes on.
"""

from __future__ import annotations

import logging
import multiprocessing
import zlib
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from brandradar.crawlers.archive import PUBLISHED_HEADER, ROLE_HEADER
from brandradar.crawlers.parsers import decode_html, extract_article, extract_posts, run_hook
from brandradar.errors import PermanentError
from brandradar.model import DOCUMENT_SCHEMA, Document
from brandradar.parquet import is_current, partitions, row_count, write_rows
from brandradar.sources import Source

log = logging.getLogger(__name__)

CONTENT_ROLES = {"article", "thread", "rendered"}


Record = tuple[str, str, str, datetime, str | None, str]


def _records(partition: Path) -> list[Record]:
    out: list[Record] = []
    for warc in sorted(partition.glob("*.warc.gz")):
        try:
            _read_warc(warc, out)
        except (ArchiveLoadFailed, EOFError, OSError, zlib.error) as exc:
            # A crawl killed mid-write leaves a truncated last record; the complete ones before
            # it were read, and the killed page is fetched again by the next crawl.
            log.warning("%s: truncated WARC, read up to the damage (%s)", warc, exc)
    return out


def _read_warc(warc: Path, out: list[Record]) -> None:
    with warc.open("rb") as fh:
        for rec in ArchiveIterator(fh):
            if rec.rec_type != "response":
                continue
            role = rec.rec_headers.get_header(ROLE_HEADER) or ""
            if role not in CONTENT_ROLES:
                continue
            url = rec.rec_headers.get_header("WARC-Target-URI")
            fetched = datetime.fromisoformat(
                rec.rec_headers.get_header("WARC-Date").replace("Z", "+00:00")
            ).astimezone(UTC)
            body = rec.content_stream().read()
            ctype = rec.http_headers.get_header("Content-Type") if rec.http_headers else None
            out.append((role, url, decode_html(body, ctype), fetched,
                        rec.rec_headers.get_header(PUBLISHED_HEADER), warc.name))


def _parse(args: tuple[Source, str, str, str, datetime, str | None]
           ) -> tuple[list[Document], str, str]:
    source, role, url, html, fetched, feed_published = args
    try:
        if role == "article":
            docs = [extract_article(html, url, source, fetched, feed_published)]
            return run_hook(source, docs, html, url), "", ""
        return extract_posts(html, url, source, fetched), "", ""
    except PermanentError as exc:
        return [], str(exc), exc.reason


def extract_source(source: Source, workdir: Path, workers: int = 1,
                   run_id: str | None = None, force: bool = False) -> dict[str, Any]:
    """Extract every raw partition of one source; return counts for the run report.

    Page and empty-extraction counts cover the pages crawled by ``run_id`` (all pages when
    None); ``documents`` is the source's total, ``new_documents`` what this call added.
    A day whose documents file is newer than all its WARC files is not parsed again unless
    ``force`` (after a parser change), so a run costs what it crawled, not the whole archive.
    """
    this_run = f"crawl-{run_id}.warc.gz" if run_id else None
    counts: Counter[str] = Counter()
    raw = workdir / "raw" / f"source={source.name}"
    known = _known_ids(workdir, source.name)
    written: set[str] = set()
    newest: datetime | None = None
    # A Celery worker's task runs in a daemonic process, which may not start processes of its
    # own: there the sources run in parallel through the workers' concurrency instead.
    if workers > 1 and multiprocessing.current_process().daemon:
        workers = 1
    pool = ProcessPoolExecutor(workers) if workers > 1 else None
    try:
        for partition in sorted(raw.glob("day=*")):
            out = workdir / "documents" / f"source={source.name}" / partition.name / "documents.parquet"
            if not force and is_current(out, sorted(partition.glob("*.warc.gz"))):
                counts["documents"] += row_count(out)
                dates = pq.read_table(out, columns=["published"]).column("published")
                counts["undated"] += dates.null_count
                latest = pc.max(dates)
                if latest.is_valid and (newest is None or latest.as_py() > newest):
                    newest = latest.as_py()
                continue
            records = _records(partition)
            jobs = [(source, *r[:5]) for r in records]
            results = pool.map(_parse, jobs, chunksize=16) if pool else map(_parse, jobs)
            docs: dict[str, Document] = {}
            for record, (found, error, reason) in zip(records, results, strict=True):
                counted = this_run is None or record[5] == this_run
                counts["pages"] += counted
                if error and not counted:
                    continue
                if error:
                    counts["empty_extractions"] += 1
                    counts[f"empty/{reason}"] += 1
                    log.warning("%s extract: %s", source.name, error)
                    continue
                for d in found:
                    old = docs.get(d.doc_id)
                    if old is None or d.fetched >= old.fetched:
                        docs[d.doc_id] = d
                    if d.published and (newest is None or d.published > newest):
                        newest = d.published
            write_rows(out, [d.to_row() for d in docs.values()], DOCUMENT_SCHEMA)
            counts["documents"] += len(docs)
            # Posts whose date could not be read fall out of every time-bounded view: counted
            # per source so coverage says so instead of calling the source complete.
            undated = sum(d.published is None for d in docs.values())
            counts["undated"] += undated
            if undated:
                log.warning("%s extract: %d documents in %s without a readable date",
                            source.name, undated, partition.name)
            written.update(docs)
    finally:
        if pool:
            pool.shutdown()
    # New documents can only be in the partitions just rewritten: no second pass over the rest.
    return {**counts, "new_documents": len(written - known),
            "newest_document": newest.isoformat() if newest else None}


def _known_ids(workdir: Path, source: str) -> set[str]:
    ids: set[str] = set()
    for path in partitions(workdir, "documents", source):
        ids.update(pq.read_table(path, columns=["doc_id"]).column("doc_id").to_pylist())
    return ids
