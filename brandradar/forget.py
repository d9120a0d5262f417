"""Erasure (GDPR Art. 17): remove a person's posts, or one page, from everything brandradar keeps.

The raw archive is the system of record, so erasure starts there: every WARC record of the
person's pages is rewritten — a page they wrote (an article, a review page of theirs) is dropped,
and on a forum thread their posts are cut out of the HTML, together with quotes of their posts
in other people's replies and every remaining mention of their name. The affected partitions are
then extracted, enriched and indexed again from the rewritten archive, so documents, mentions,
the DuckDB store (rewritten without freed blocks) and the Elasticsearch copy lose them the way a
deleted page would. An audit record says what was done, when and how much, naming no one.

Written here because no library knows how to edit a WARC record's HTML; the record is rewritten
with warcio (fresh payload digest and length), the HTML edited with lxml.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from brandradar.crawlers.archive import ROLE_HEADER
from brandradar.crawlers.parsers import decode_html
from brandradar.crawlers.redact import AUDIT, article_by, matches, redact_thread, subject_hmac
from brandradar.errors import ConfigError
from brandradar.sources import Source
from brandradar.stages import Context
from brandradar.storage import sharing

log = logging.getLogger(__name__)



@dataclass
class Erasure:
    """What one ``forget`` changed."""

    pages_dropped: int = 0
    pages_redacted: int = 0
    posts_removed: int = 0
    partitions: set[tuple[str, str]] = field(default_factory=set)  # (source, day)


def _selectors(value: str | list[str] | None) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _rewrite_warc(path: Path, source: Source, author: str | None, url: str | None,
                  done: Erasure, day: str) -> None:
    """Rewrite one WARC file without the person's pages and posts (untouched when it holds
    none of them)."""
    out = BytesIO()
    writer = WARCWriter(out, gzip=True)
    changed = False
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            target = record.rec_headers.get_header("WARC-Target-URI") or ""
            role = record.rec_headers.get_header(ROLE_HEADER) or ""
            body = record.content_stream().read()
            if record.rec_type != "response" or not role:
                writer.write_record(_copy(writer, record, body))
                continue
            if url is not None and target == url:
                changed = True
                done.pages_dropped += 1
                continue
            if author is not None:
                ctype = record.http_headers.get_header("Content-Type") if record.http_headers \
                    else None
                html = decode_html(body, ctype)
                if role == "article" or not source.multi_post:
                    if article_by(html, author):
                        changed = True
                        done.pages_dropped += 1
                        continue
                else:
                    redacted, cut = redact_thread(html, source, author)
                    if redacted is not None:
                        changed = True
                        done.pages_redacted += 1
                        done.posts_removed += cut
                        body = redacted.encode("utf-8")
                        if record.http_headers is not None:
                            record.http_headers.replace_header(
                                "Content-Type", "text/html; charset=utf-8")
                            record.http_headers.remove_header("Content-Length")
            writer.write_record(_copy(writer, record, body))
    if changed:
        tmp = path.with_name(path.name + ".forget")
        tmp.write_bytes(out.getvalue())
        tmp.replace(path)
        done.partitions.add((source.name, day))


def _copy(writer: WARCWriter, record: Any, body: bytes) -> Any:
    headers = {k: v for k, v in record.rec_headers.headers
               if k.startswith("WARC-Brandradar") or k == "WARC-Date"}
    return writer.create_warc_record(
        record.rec_headers.get_header("WARC-Target-URI"), record.rec_type,
        payload=BytesIO(body), http_headers=record.http_headers, warc_headers_dict=headers)


def _drop_fetchlog_lines(folder: Path, url: str) -> None:
    for log_file in folder.glob("fetchlog-*.jsonl"):
        lines = log_file.read_text("utf-8").splitlines(keepends=True)
        kept = [line for line in lines if url not in line]
        if len(kept) != len(lines):
            log_file.write_text("".join(kept), "utf-8")


def forget(ctx: Context, author: str | None = None, url: str | None = None) -> dict[str, Any]:
    """Remove ``author``'s posts (and name) or the page at ``url`` from the archive and every
    stage after it; write the audit record; return the counts."""
    from brandradar.index.store import STORE_FILE

    if (author is None) == (url is None):
        raise ConfigError("forget: give --author NAME or --url URL")
    subject = (author or url or "").strip()
    if len(subject) < 2:
        raise ConfigError("forget: the name or URL is too short to be safe to remove")
    key = ctx.settings.pseudonym_key(ctx.demo)
    # A team deployment's shared work directory: the archive is rewritten in this working copy
    # and sent back, the later stages send what they rebuild themselves.
    with sharing(ctx.settings, reads=["raw", "documents", AUDIT.as_posix()],
                 writes=["raw", STORE_FILE, AUDIT.as_posix()]):
        return _forget(ctx, author, url, subject, key)


def _forget(ctx: Context, author: str | None, url: str | None, subject: str,
            key: str) -> dict[str, Any]:
    from brandradar.index.store import open_store, writing
    from brandradar.stages import enrich_stage, extract_stage, index_stage

    done = Erasure()
    for source in ctx.sources:
        for folder in sorted((ctx.workdir / "raw" / f"source={source.name}").glob("day=*")):
            for warc in sorted(folder.glob("*.warc.gz")):
                _rewrite_warc(warc, source, author, url, done, folder.name)
            if url is not None:
                _drop_fetchlog_lines(folder, url)
    # The later stages rebuild exactly the partitions whose archive changed (their files are
    # now newer than what was extracted from them); the store is then rewritten without the
    # freed blocks that still held the removed rows.
    for name in sorted({s for s, _ in done.partitions}):
        extract_stage(ctx, name)
        enrich_stage(ctx, name)
    _still_there(ctx, author, url)
    index = index_stage(ctx)
    with writing(open_store(ctx.settings)) as store:
        store.compact_on_close = True
    record = {"when": datetime.now(UTC).isoformat(), "kind": "author" if author else "url",
              # An HMAC of the subject under the project's key: a later request for the same
              # person can be matched, the name cannot be read back.
              "subject_hmac": subject_hmac(key, subject),
              "pages_dropped": done.pages_dropped, "pages_redacted": done.pages_redacted,
              "posts_removed": done.posts_removed, "partitions": len(done.partitions),
              "documents_after": index.get("documents")}
    audit = ctx.workdir / AUDIT
    audit.parent.mkdir(parents=True, exist_ok=True)
    with audit.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    return record


def _still_there(ctx: Context, author: str | None, url: str | None) -> None:
    """A last check over the rebuilt documents: a row of the person left means a page the
    redaction could not read; it is named (by URL), never silently kept."""
    left = []
    for path in (ctx.workdir / "documents").rglob("documents.parquet"):
        rows = pq.read_table(path, columns=["url", "author", "text"]).to_pylist()
        for row in rows:
            if (url is not None and row["url"] == url) or (
                    author is not None and (matches(row["author"], author)
                                            or author.casefold() in (row["text"] or "").casefold())):
                left.append(row["url"])
    if left:
        raise ConfigError(f"forget: {len(left)} documents still name the person after "
                          f"redaction, e.g. {left[0]}: remove that page with --url")
