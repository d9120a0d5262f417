"""The embedded default backend: one DuckDB file with a full-text index on documents."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import duckdb_extension_fts

from brandradar.model import ENRICHED_FIELDS, MENTION_FIELDS

_DDL = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id VARCHAR PRIMARY KEY, source VARCHAR, source_kind VARCHAR, url VARCHAR, domain VARCHAR,
    title VARCHAR, text VARCHAR, published TIMESTAMPTZ, fetched TIMESTAMPTZ, language VARCHAR,
    author_pseudonym VARCHAR, rating DOUBLE, product VARCHAR, key_phrases VARCHAR[],
    story_id VARCHAR, versions VARCHAR);
CREATE TABLE IF NOT EXISTS mentions (
    mention_id VARCHAR PRIMARY KEY, doc_id VARCHAR, brand VARCHAR, brand_role VARCHAR,
    "start" INTEGER, "end" INTEGER, matched VARCHAR, sentiment VARCHAR, score DOUBLE,
    span_text VARCHAR, source VARCHAR, source_kind VARCHAR, domain VARCHAR, language VARCHAR,
    published TIMESTAMPTZ, story_id VARCHAR, versions VARCHAR);
CREATE TABLE IF NOT EXISTS alerts (alert_id VARCHAR PRIMARY KEY, start TIMESTAMPTZ, body JSON);
"""


def _fts_extension() -> str:
    folder = Path(duckdb_extension_fts.__file__).parent / "extensions"
    return str(next(folder.glob("v*/fts.duckdb_extension")))


def _window(column: str, since: datetime | None, until: datetime | None) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if since is not None:
        clauses.append(f"{column} >= ?")
        params.append(since)
    if until is not None:
        clauses.append(f"{column} < ?")
        params.append(until)
    return (" AND ".join(clauses) or "TRUE"), params


class DuckDBStore:
    """Documents, mentions and alerts in ``brandradar.duckdb``; upserts by deterministic id."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(path), read_only=read_only and path.exists())
        self.con.execute("SET TimeZone='UTC'")
        self.con.execute(f"LOAD '{_fts_extension()}'")
        if not read_only:
            self.con.execute(_DDL)
        self._fts_dirty = False

    def _rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def upsert(self, documents: list[dict[str, Any]], mentions: list[dict[str, Any]]) -> int:
        import pyarrow as pa

        for table, rows, fields, key in (
            ("documents", documents, ENRICHED_FIELDS, "doc_id"),
            ("mentions", mentions, MENTION_FIELDS, "mention_id"),
        ):
            if not rows:
                continue
            arrow = pa.Table.from_pylist([{f: r[f] for f in fields} for r in rows])
            self.con.register("incoming", arrow)
            cols = ", ".join(f'"{f}"' for f in fields)
            self.con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM incoming)")
            if table == "documents":
                # A document's mentions are replaced as a whole: an edited post keeps none of its
                # old ones.
                self.con.execute("DELETE FROM mentions WHERE doc_id IN (SELECT doc_id FROM incoming)")
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")
            self.con.unregister("incoming")
        self._fts_dirty = True
        return 0

    def build_search_index(self) -> None:
        """(Re)build the BM25 full-text index over document titles and texts."""
        self.con.execute("PRAGMA create_fts_index('documents', 'doc_id', 'title', 'text', "
                         "overwrite=1, stemmer='none', strip_accents=1, lower=1)")
        self._fts_dirty = False

    def counts(self) -> dict[str, int]:
        docs = self.con.execute("SELECT count(*) FROM documents").fetchone()
        ments = self.con.execute("SELECT count(*) FROM mentions").fetchone()
        return {"documents": int(docs[0]) if docs else 0, "mentions": int(ments[0]) if ments else 0}

    def brand_counts(self, since: datetime | None, until: datetime | None,
                     per_story: bool) -> dict[str, int]:
        where, params = _window("published", since, until)
        unit = "story_id" if per_story else "doc_id"
        rows = self.con.execute(
            f"SELECT brand, count(DISTINCT {unit}) FROM mentions WHERE {where} GROUP BY brand",
            params).fetchall()
        return {str(b): int(n) for b, n in rows}

    def hourly(self, since: datetime | None, until: datetime | None) -> list[dict[str, Any]]:
        where, params = _window("published", since, until)
        return self._rows(
            "SELECT brand, date_trunc('hour', published) AS hour, count(DISTINCT doc_id) AS mentions,"
            " count(DISTINCT doc_id) FILTER (WHERE sentiment = 'negative') AS negative "
            f"FROM mentions WHERE published IS NOT NULL AND {where} GROUP BY ALL ORDER BY hour",
            params)

    def daily(self, since: datetime | None, until: datetime | None) -> list[dict[str, Any]]:
        where, params = _window("published", since, until)
        return self._rows(
            "SELECT brand, CAST(date_trunc('day', published) AS DATE) AS day,"
            " count(DISTINCT doc_id) AS mentions,"
            " count(*) FILTER (WHERE sentiment = 'positive') AS positive,"
            " count(*) FILTER (WHERE sentiment = 'negative') AS negative,"
            " count(*) FILTER (WHERE sentiment = 'neutral') AS neutral "
            f"FROM mentions WHERE published IS NOT NULL AND {where} GROUP BY ALL ORDER BY day",
            params)

    def sentiment(self, since: datetime | None, until: datetime | None) -> list[dict[str, Any]]:
        where, params = _window("published", since, until)
        return self._rows(
            "SELECT brand, count(*) FILTER (WHERE sentiment = 'positive') AS positive,"
            " count(*) FILTER (WHERE sentiment = 'negative') AS negative,"
            " count(*) FILTER (WHERE sentiment = 'neutral') AS neutral,"
            " count(*) FILTER (WHERE sentiment = 'unscored') AS unscored "
            f"FROM mentions WHERE {where} GROUP BY brand ORDER BY brand", params)

    def phrase_docs(self, since: datetime) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT unnest(key_phrases) AS phrase, doc_id, domain, published FROM documents "
            "WHERE published >= ?", [since])

    def search(self, query: str | None, brand: str | None, limit: int) -> list[dict[str, Any]]:
        params: list[Any] = []
        brand_sql = ""
        if brand:
            brand_sql = " AND m.brand = ?"
        if query:
            if self._fts_dirty or not self._has_fts():
                self.build_search_index()
            sql = ("SELECT m.brand, m.sentiment, m.score, m.span_text, m.published, d.url, d.title,"
                   " d.source, d.domain, m.doc_id, fts_main_documents.match_bm25(d.doc_id, ?) AS rank"
                   " FROM mentions m JOIN documents d USING (doc_id) WHERE rank IS NOT NULL"
                   f"{brand_sql} ORDER BY rank DESC, m.published DESC LIMIT ?")
            params = [query, *([brand] if brand else []), limit]
        else:
            sql = ("SELECT m.brand, m.sentiment, m.score, m.span_text, m.published, d.url, d.title,"
                   " d.source, d.domain, m.doc_id FROM mentions m JOIN documents d USING (doc_id)"
                   f" WHERE TRUE{brand_sql} ORDER BY m.published DESC NULLS LAST LIMIT ?")
            params = [*([brand] if brand else []), limit]
        return self._rows(sql, params)

    def _has_fts(self) -> bool:
        row = self.con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = "
                               "'fts_main_documents'").fetchone()
        return bool(row and row[0])

    def top_documents(self, brand: str, since: datetime, until: datetime,
                      limit: int) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT m.doc_id, d.url, d.title, m.span_text, m.score, m.sentiment, d.source, "
            "d.key_phrases "
            "FROM mentions m JOIN documents d USING (doc_id) WHERE m.brand = ? AND m.published >= ?"
            " AND m.published < ? ORDER BY m.score ASC, m.published LIMIT ?",
            [brand, since, until, limit])

    def save_alerts(self, alerts: list[dict[str, Any]]) -> None:
        self.con.execute("DELETE FROM alerts")
        for a in alerts:
            self.con.execute("INSERT INTO alerts VALUES (?, ?, ?)",
                             [a["alert_id"], a["start"], json.dumps(a, default=str)])

    def alerts(self) -> list[dict[str, Any]]:
        rows = self.con.execute("SELECT body FROM alerts ORDER BY start DESC").fetchall()
        return [json.loads(r[0]) for r in rows]

    def close(self) -> None:
        if self._fts_dirty and os.access(self.path, os.W_OK):
            self.build_search_index()
        self.con.close()
