"""The embedded default backend: one DuckDB file with a full-text index on documents.

Readers never see a store being written: a writer works on a copy (``brandradar.duckdb.next``)
and publishes it with one rename when it closes, so a run killed at any moment leaves the
previous store whole, and a reader that holds the old file open (the dashboard) neither blocks
the writer nor sees half a write — it reopens when the file was replaced (:meth:`refresh`).
Writers queue on a lock file (``brandradar.duckdb.lock``): two runs on one work directory write
one after the other. DuckDB shares one open database per path within a process, so a reader
lets go of its connection before it opens the new file.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

import duckdb

from brandradar.errors import DataFileError
from brandradar.index.manifest import Partition, read_table
from brandradar.index.rows import (
    AUTHOR_SEGMENTS,
    AuthorRanking,
    AuthorStat,
    DayCount,
    ExplorerPage,
    ExplorerRow,
    HourCount,
    LabelCandidate,
    PhraseDoc,
    Sentiments,
    SourceCount,
    TopDocument,
    TopicDocument,
    Trend,
)
from brandradar.index.store import NO_FILTERS, Correction, Filters, Sync
from brandradar.model import ENRICHED_FIELDS, ENRICHED_SCHEMA, MENTION_FIELDS, MENTION_SCHEMA

log = logging.getLogger(__name__)
T = TypeVar("T")

# documents, mentions and search_docs carry no PRIMARY KEY although their ids are unique: the
# writer deletes and inserts by id itself (sync and upsert keep one row per id), and DuckDB
# writes a table's whole key index at every checkpoint, so a key made each hourly run's
# checkpoint grow with the corpus (0.16 s per table at 170,000 documents, seconds at millions).
_KEYLESS = ("documents", "mentions", "search_docs")
_DDL = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id VARCHAR, source VARCHAR, source_kind VARCHAR, url VARCHAR, domain VARCHAR,
    title VARCHAR, text VARCHAR, published TIMESTAMPTZ, fetched TIMESTAMPTZ, language VARCHAR,
    author_pseudonym VARCHAR, rating DOUBLE, product VARCHAR, key_phrases VARCHAR[],
    story_id VARCHAR, versions VARCHAR, post_id VARCHAR, reply_to VARCHAR);
ALTER TABLE documents ADD COLUMN IF NOT EXISTS post_id VARCHAR;
ALTER TABLE documents ADD COLUMN IF NOT EXISTS reply_to VARCHAR;
CREATE TABLE IF NOT EXISTS mentions (
    mention_id VARCHAR, doc_id VARCHAR, brand VARCHAR, brand_role VARCHAR,
    "start" INTEGER, "end" INTEGER, matched VARCHAR, sentiment VARCHAR, score DOUBLE,
    span_text VARCHAR, source VARCHAR, source_kind VARCHAR, domain VARCHAR, language VARCHAR,
    published TIMESTAMPTZ, story_id VARCHAR, versions VARCHAR, kind VARCHAR,
    in_boilerplate BOOLEAN, counted BOOLEAN);
ALTER TABLE mentions ADD COLUMN IF NOT EXISTS kind VARCHAR;
ALTER TABLE mentions ADD COLUMN IF NOT EXISTS in_boilerplate BOOLEAN;
ALTER TABLE mentions ADD COLUMN IF NOT EXISTS counted BOOLEAN;
CREATE TABLE IF NOT EXISTS alerts (alert_id VARCHAR PRIMARY KEY, start TIMESTAMPTZ, body JSON);
CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS trends (
    trend_id VARCHAR PRIMARY KEY, phrase VARCHAR, brand VARCHAR, window_hours INTEGER,
    state VARCHAR, documents INTEGER, baseline_documents INTEGER, domains INTEGER,
    growth DOUBLE, doc_ids VARCHAR[], computed TIMESTAMPTZ);
ALTER TABLE trends ADD COLUMN IF NOT EXISTS variants VARCHAR[];
CREATE TABLE IF NOT EXISTS health (
    health_id VARCHAR PRIMARY KEY, source VARCHAR, run_id VARCHAR, checked TIMESTAMPTZ,
    discovered INTEGER, fetched INTEGER, not_modified INTEGER, failed_total INTEGER,
    documents INTEGER, new_documents INTEGER, empty_extractions INTEGER,
    newest_document TIMESTAMPTZ, flags VARCHAR[], complete BOOLEAN);
CREATE TABLE IF NOT EXISTS partitions (folder VARCHAR PRIMARY KEY, signature VARCHAR);
CREATE TABLE IF NOT EXISTS doc_versions (doc_id VARCHAR, folder VARCHAR, fetched TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS projection_pending (doc_id VARCHAR PRIMARY KEY);
CREATE TABLE IF NOT EXISTS search_terms (doc_id VARCHAR, term VARCHAR, tf INTEGER);
CREATE TABLE IF NOT EXISTS search_docs (doc_id VARCHAR, len INTEGER);
CREATE TABLE IF NOT EXISTS corrections (mention_id VARCHAR PRIMARY KEY, sentiment VARCHAR,
                                        score DOUBLE);
"""
# The forum and review posts with an author (in the hours of ``scope``), for the author rollups.
_FORUM_POSTS = """
WITH posts AS (
    SELECT doc_id, source, author_pseudonym, post_id, date_trunc('hour', published) AS hour
    FROM documents WHERE author_pseudonym IS NOT NULL AND source_kind IN ('forum', 'review')
    AND {scope}),"""
# Per brand, hour, source, kind and language: documents (each counted once per brand: a document
# has one hour, source, kind and language, so these counts add up exactly), documents with at
# least one mention of each sentiment, and mentions per sentiment. Dashboards read this instead
# of millions of mention rows; it is rebuilt when the writer closes the store.
# Per-story counts: a story whose only document (of those mentioning the brand) passes the
# filters counts once, like its document, so single-document stories are counted in the rollup
# (``singles``); the few stories with several documents keep one row per document in
# ``story_rollup`` and are counted distinct there.
_ROLLUP_SELECTS = {
    "story_rollup": """
SELECT brand, story_id, hour, source, source_kind, language, pos > 0 AS has_positive,
       neg > 0 AS has_negative, neu > 0 AS has_neutral, uns > 0 AS has_unscored
FROM per_doc WHERE NOT single""",
    "mention_rollup": """
SELECT brand, hour, source, source_kind, language,
       count(*) AS docs, count(*) FILTER (WHERE single) AS singles,
       count(*) FILTER (WHERE single AND pos > 0) AS singles_positive,
       count(*) FILTER (WHERE single AND neg > 0) AS singles_negative,
       count(*) FILTER (WHERE single AND neu > 0) AS singles_neutral,
       count(*) FILTER (WHERE single AND uns > 0) AS singles_unscored,
       count(*) FILTER (WHERE pos > 0) AS docs_positive,
       count(*) FILTER (WHERE neg > 0) AS docs_negative,
       count(*) FILTER (WHERE neu > 0) AS docs_neutral,
       count(*) FILTER (WHERE uns > 0) AS docs_unscored,
       CAST(sum(pos) AS BIGINT) AS positive, CAST(sum(neg) AS BIGINT) AS negative,
       CAST(sum(neu) AS BIGINT) AS neutral, CAST(sum(uns) AS BIGINT) AS unscored
FROM per_doc GROUP BY ALL ORDER BY hour, brand""",
    # Per author, source and hour: all their posts (brand NULL), and once more per brand the
    # posts mentioning it, with that brand's mentions and the replies those posts received.
    "author_rollup": _FORUM_POSTS + """
branded AS (
    SELECT p.*, CAST(NULL AS VARCHAR) AS brand FROM posts p
    UNION ALL
    SELECT p.*, b.brand FROM posts p JOIN (SELECT DISTINCT doc_id, brand FROM mentions
                                           WHERE doc_id IN (SELECT doc_id FROM posts) AND {scope}) b
    USING (doc_id)),
-- A mention's published is its document's, so the mentions of the posts in scope are in scope
-- too: the condition lets the scans skip the rest.
in_scope AS (SELECT doc_id, brand, mention_id, sentiment FROM mentions WHERE {scope}),
said AS (
    SELECT author, source, hour, brand, count(DISTINCT doc_id) AS posts,
           count(mention_id) AS mentions,
           count(mention_id) FILTER (WHERE sentiment = 'positive') AS positive,
           count(mention_id) FILTER (WHERE sentiment = 'negative') AS negative,
           count(mention_id) FILTER (WHERE sentiment = 'neutral') AS neutral
    -- Two equality joins: one join with "brand IS NULL OR m.brand = p.brand" in its condition
    -- ran for more than ten minutes on ten million mentions (no hash join on an OR).
    FROM (SELECT p.author_pseudonym AS author, p.source, p.hour, CAST(NULL AS VARCHAR) AS brand,
                 p.doc_id, m.mention_id, m.sentiment
          FROM posts p LEFT JOIN in_scope m ON m.doc_id = p.doc_id
          UNION ALL
          SELECT p.author_pseudonym, p.source, p.hour, m.brand, p.doc_id, m.mention_id,
                 m.sentiment
          FROM posts p JOIN in_scope m ON m.doc_id = p.doc_id)
    GROUP BY ALL),
replies AS (
    SELECT p.author_pseudonym AS author, p.source, p.hour, p.brand, count(*) AS replies
    FROM branded p JOIN documents r ON r.source = p.source AND r.reply_to = p.post_id
    AND r.doc_id <> p.doc_id GROUP BY ALL)
SELECT s.*, coalesce(r.replies, 0) AS replies
FROM said s LEFT JOIN replies r ON r.author = s.author AND r.source = s.source
    AND r.hour IS NOT DISTINCT FROM s.hour AND r.brand IS NOT DISTINCT FROM s.brand
-- In time order, so that a period reads the row groups of its hours only.
ORDER BY s.hour, s.brand""",
    # Per forum or review post mentioning a brand: its author, hour, brands and the replies
    # it received. Posts and replies of a view of several brands do not add up from the
    # per-brand rows above (a post mentioning two of them is one post); counted from the
    # mention rows, the authors of two brands took 2.4 s on ten million mentions.
    "author_posts": _FORUM_POSTS + """
named AS (
    SELECT doc_id, list(DISTINCT brand ORDER BY brand) AS brands FROM mentions
    WHERE doc_id IN (SELECT doc_id FROM posts) AND {scope} GROUP BY doc_id),
replies AS (
    SELECT p.doc_id, count(*) AS replies
    FROM posts p JOIN documents r ON r.source = p.source AND r.reply_to = p.post_id
    AND r.doc_id <> p.doc_id GROUP BY ALL)
SELECT p.author_pseudonym AS author, p.source, p.hour, n.brands,
       coalesce(r.replies, 0) AS replies
FROM posts p JOIN named n USING (doc_id) LEFT JOIN replies r USING (doc_id)
ORDER BY p.hour""",
}
# The author rollups per calendar month (UTC), built from the hourly ones: a period of many months
# reads its whole months here and only its first and last partial month by the hour. Authors who
# post about once in two days make no hourly row smaller than their posts; a month of them is.
_MONTHLY_SELECTS = {
    "author_month": """
SELECT author, source, date_trunc('month', hour) AS month, brand,
       CAST(sum(posts) AS BIGINT) AS posts, CAST(sum(mentions) AS BIGINT) AS mentions,
       CAST(sum(positive) AS BIGINT) AS positive, CAST(sum(negative) AS BIGINT) AS negative,
       CAST(sum(neutral) AS BIGINT) AS neutral, CAST(sum(replies) AS BIGINT) AS replies
FROM author_rollup WHERE {scope} GROUP BY ALL ORDER BY month, brand""",
    "author_posts_month": """
SELECT author, source, date_trunc('month', hour) AS month, brands, count(*) AS posts,
       CAST(sum(replies) AS BIGINT) AS replies
FROM author_posts WHERE {scope} GROUP BY ALL ORDER BY month""",
}
# Per hourly author table: its monthly table, and the columns read from each (the same rows).
_AUTHOR_TABLES = {
    "author_rollup": ("author_month",
                      "author, source, brand, posts, mentions, positive, negative, neutral, replies",
                      "author, source, brand, posts, mentions, positive, negative, neutral, replies"),
    "author_posts": ("author_posts_month", "author, source, brands, 1 AS posts, replies",
                     "author, source, brands, posts, replies"),
}


def _month_start(t: datetime, up: bool) -> datetime:
    """The first instant (UTC) of ``t``'s calendar month, or of the next one when ``up`` and
    ``t`` is not a month's first instant."""
    u = t.astimezone(UTC)
    start = u.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if up and start < u:
        start = (start + timedelta(days=32)).replace(day=1)
    return start


# Per brand and document (of the hours in scope): its story, hour, source, kind, language and
# mentions per sentiment; ``single``: the only document of its story mentioning the brand,
# counted over the whole story, also where the story reaches hours out of scope.
_PER_DOC = """
CREATE OR REPLACE TEMP TABLE per_doc AS
WITH docs AS (
    SELECT brand, doc_id, any_value(story_id) AS story_id, any_value(source) AS source,
           any_value(source_kind) AS source_kind, any_value(language) AS language,
           date_trunc('hour', any_value(published)) AS hour,
           count(*) FILTER (WHERE sentiment = 'positive') AS pos,
           count(*) FILTER (WHERE sentiment = 'negative') AS neg,
           count(*) FILTER (WHERE sentiment = 'neutral') AS neu,
           count(*) FILTER (WHERE sentiment = 'unscored') AS uns
    FROM mentions WHERE {scope} GROUP BY brand, doc_id),
sizes AS (
    SELECT brand, story_id, count(DISTINCT doc_id) AS n FROM mentions
    WHERE story_id IN (SELECT story_id FROM docs) GROUP BY ALL)
SELECT docs.*, sizes.n = 1 AS single FROM docs JOIN sizes USING (brand, story_id)"""
# The hours a change touches, for a partial rebuild: NULL (undated) is kept as the epoch.
_EPOCH = "TIMESTAMPTZ '1970-01-01 00:00:00+00'"
_TOUCHED = """
INSERT INTO rollup_hours
WITH changed AS (SELECT published, story_id, source, reply_to FROM documents
                 WHERE doc_id IN (SELECT doc_id FROM affected))
SELECT date_trunc('hour', published) FROM changed
UNION SELECT date_trunc('hour', m.published) FROM mentions m
      WHERE m.story_id IN (SELECT story_id FROM changed)
UNION SELECT date_trunc('hour', p.published) FROM documents p
      JOIN changed c ON p.source = c.source AND p.post_id = c.reply_to"""
# A timestamp ``column`` whose ``unit`` (hour or month) is one of those hours' (see ``_touched``).
_IN_HOURS = ("coalesce(date_trunc('{unit}', {column}), " + _EPOCH + ") IN (SELECT DISTINCT"
             " coalesce(date_trunc('{unit}', hour), " + _EPOCH + ") FROM rollup_hours)")
# Full-text search: BM25 (k1 1.2, b 0.75) over the words of title and text, lower case, accents
# stripped, no stemming, in every script (DuckDB's fts extension keeps only a-z, so Cyrillic
# text was unsearchable, and it can only rebuild its index whole: 2.4 s an hour at 100× the
# demo). The term table is kept up to date per document, with the rows.
_WORDS = "string_split_regex(lower(strip_accents({text})), '[^\\p{{L}}\\p{{N}}]+')"
# The document lengths are summed from the new terms, not from search_terms, whose scan grows
# with the corpus (25 rows a document).
_INDEX_TEXT = f"""
CREATE OR REPLACE TEMP TABLE new_terms AS
SELECT doc_id, term, CAST(count(*) AS INTEGER) AS tf FROM (
    SELECT doc_id, unnest({_WORDS.format(text="coalesce(title, '') || ' ' || coalesce(text, '')")})
           AS term FROM documents WHERE doc_id IN (SELECT doc_id FROM $ids))
WHERE term <> '' GROUP BY ALL;
INSERT INTO search_terms SELECT doc_id, term, tf FROM new_terms;
INSERT INTO search_docs SELECT doc_id, CAST(sum(tf) AS INTEGER) FROM new_terms GROUP BY doc_id;
DROP TABLE new_terms"""
_BM25 = f"""
WITH q AS (SELECT DISTINCT unnest({_WORDS.format(text="?")}) AS term),
n AS (SELECT count(*) AS docs, avg(len) AS avgdl FROM search_docs),
df AS (SELECT term, count(*) AS df FROM search_terms
       WHERE term IN (SELECT term FROM q WHERE term <> '') GROUP BY term),
ranked AS (
    SELECT t.doc_id, sum(ln((n.docs - df.df + 0.5) / (df.df + 0.5) + 1)
                         * t.tf * 2.2 / (t.tf + 1.2 * (0.25 + 0.75 * s.len / n.avgdl))) AS rank
    FROM search_terms t JOIN df USING (term) JOIN search_docs s USING (doc_id) CROSS JOIN n
    GROUP BY t.doc_id)"""
_SENTIMENTS = ("positive", "negative", "neutral", "unscored")
# The mention explorer's orders; ``relevance`` is the BM25 rank of a full-text query.
EXPLORER_SORTS = {
    "newest": "published DESC NULLS LAST, mention_id",
    "oldest": "published ASC NULLS LAST, mention_id",
    "relevance": "rank DESC NULLS LAST, published DESC NULLS LAST, mention_id",
    "negative": "score ASC, published DESC NULLS LAST, mention_id",
    "positive": "score DESC, published DESC NULLS LAST, mention_id",
}
# What one explorer row stands for: a brand's story (syndicated copies folded), a brand's
# document (the unit of share of voice), or each mention.
EXPLORER_FOLDS = {"story": "brand, coalesce(story_id, doc_id)", "document": "brand, doc_id",
                  "none": None}


class TouchedSpan(NamedTuple):
    """The first and last hour a writer's syncs touched (None: only undated rows or none)."""

    low: datetime | None
    high: datetime | None
    undated: bool


def _touched(span: TouchedSpan, column: str, unit: str) -> str:
    """A condition on timestamp ``column``: its ``unit`` (hour or month) is one the syncs of
    this writer touched (``rollup_hours``; NULL: undated rows).

    The set test alone makes DuckDB evaluate it on every row of the table, so an hourly run
    cost what the corpus holds; the constant bounds of the touched hours before it are pushed
    into the scan, where the zonemaps of row groups outside them skip their rows (the tables
    are written in time order)."""
    if span.low is None or span.high is None:
        return f"{column} IS NULL" if span.undated else "FALSE"
    low, high, step = span.low, span.high, "INTERVAL 1 HOUR"
    if unit == "month":
        low, high, step = (_month_start(low, up=False), _month_start(high, up=False),
                           "INTERVAL 1 MONTH")
    bounds = (f"{column} >= TIMESTAMPTZ '{low.isoformat()}'"
              f" AND {column} < TIMESTAMPTZ '{high.isoformat()}' + {step}")
    if span.undated:
        bounds = f"({bounds} OR {column} IS NULL)"
    return f"{bounds} AND {_IN_HOURS.format(unit=unit, column=column)}"


def _whole_hours(zone: str, since: datetime | None, until: datetime | None) -> bool:
    """Whether ``zone``'s days start on whole UTC hours in the period (the hourly rollup can
    then be summed into its days; India's +5:30 or Nepal's +5:45 cannot). The offset is looked
    at on the period's ends and the first of each month between (an open end: two years back,
    or now): zoneinfo does not list its transitions, and a zone such as Lord Howe's is on whole
    hours only half of the year."""
    tz = ZoneInfo(zone)
    now = datetime.now(UTC)
    start = since or now.replace(year=now.year - 2, month=1, day=1)
    end = until or now
    probes = [start, end]
    month = datetime(start.year, start.month, 1, tzinfo=UTC)
    while month < end:
        probes.append(month)
        month = month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
    return all((t.astimezone(tz).utcoffset() or timedelta()) % timedelta(hours=1) == timedelta()
               for t in probes)


def _story_flag(filters: Filters) -> str:
    """The ``story_rollup`` condition for a one-sentiment filter: the document has a mention
    of that sentiment (``_rollup`` refuses several)."""
    return f" AND has_{filters.sentiments[0]}" if filters.sentiments else ""


def _window(column: str, since: datetime | None, until: datetime | None,
            filters: Filters = NO_FILTERS, prefix: str = "") -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if since is not None:
        clauses.append(f"{column} >= ?")
        params.append(since)
    if until is not None:
        clauses.append(f"{column} < ?")
        params.append(until)
    for field, values in filters.items():
        clauses.append(f"{prefix}{field} IN ({', '.join('?' * len(values))})")
        params.extend(values)
    return (" AND ".join(clauses) or "TRUE"), params


def _cols(fields: list[str], prefix: str = "") -> str:
    """A quoted column list (``start`` and ``end`` are SQL keywords)."""
    return ", ".join(f'{prefix}"{f}"' for f in fields)


def _sentiment_sums(filters: Filters) -> str:
    """Rollup columns of mentions per sentiment; 0 for sentiments a filter leaves out."""
    return ", ".join(f"CAST(sum({s}) AS BIGINT) AS {s}"
                     if not filters.sentiments or s in filters.sentiments else f"0 AS {s}"
                     for s in _SENTIMENTS)


class DuckDBStore:
    """Documents, mentions and alerts in ``brandradar.duckdb``; upserts by deterministic id."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.read_only = read_only and path.exists()
        self._lock: Any = None
        self._next = path.with_name(path.name + ".next")
        if self.read_only:
            self.con = self._connect(path, read_only=True)
            self._inode = path.stat().st_ino
        else:
            self._lock = _writer_lock(path.with_name(path.name + ".lock"))
            # A copy left by a killed writer is half a write: start again from the store.
            for stale in (self._next, self._next.with_name(self._next.name + ".wal")):
                stale.unlink(missing_ok=True)
            if path.exists():
                shutil.copyfile(path, self._next)
            self.con = self._connect(self._next, read_only=False)
            self.con.execute(_DDL)
            self._drop_keys()
        # How the rollup is brought up to date when the writer closes: None (unchanged),
        # "partial" (the hours this writer's syncs touched) or "full".
        self._rollup_mode: str | None = None
        # Tests switch this off to compare the rollup's answers with the raw rows'.
        self.use_rollup = True
        # Rewrite the file with only its live rows when publishing: DuckDB reuses freed blocks
        # but does not wipe them, so removed personal data (a forgotten author, pseudonyms of a
        # rotated key) would otherwise stay readable in the file.
        self.compact_on_close = False

    def _drop_keys(self) -> None:
        """A store written before the tables lost their keys (see ``_KEYLESS``) gets them
        rebuilt without, once, by the first writer that opens it."""
        keyed = [t for (t,) in self.con.execute(
            "SELECT DISTINCT table_name FROM duckdb_constraints() WHERE constraint_type ="
            " 'PRIMARY KEY' AND list_contains(?, table_name)", [list(_KEYLESS)]).fetchall()]
        for table in keyed:
            self.con.execute(f"CREATE TABLE {table}__keyless AS SELECT * FROM {table}")
            self.con.execute(f"DROP TABLE {table}")
            self.con.execute(f"ALTER TABLE {table}__keyless RENAME TO {table}")

    def _connect(self, path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if self._lock is not None:
                self._release()
            raise DataFileError(self.path, f"unreadable DuckDB store ({str(exc)[:160]})") from exc
        con.execute("SET TimeZone='UTC'")
        return con

    def refresh(self) -> bool:
        """For a reader: reopen when a writer has published a new store since this one was
        opened; returns whether it did."""
        if not self.read_only or not self.path.exists():
            return False
        inode = self.path.stat().st_ino
        if inode == self._inode:
            return False
        self.con.close()
        self.con = self._connect(self.path, read_only=True)
        self._inode = inode
        return True

    def _typed(self, cls: type[T], sql: str, params: list[Any] | None = None) -> list[T]:
        """Rows of ``sql`` as ``cls`` instances, by column name."""
        return [cls(**r) for r in self._rows(sql, params)]

    def _rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def upsert(self, documents: list[dict[str, Any]], mentions: list[dict[str, Any]]) -> None:
        """Insert or replace rows by their deterministic ids, outside the manifest (tests and
        evaluations that build a store from rows; a pipeline run uses :meth:`sync`)."""
        import pyarrow as pa

        for table, rows, fields, key in (
            ("documents", documents, ENRICHED_FIELDS, "doc_id"),
            ("mentions", mentions, MENTION_FIELDS, "mention_id"),
        ):
            if not rows:
                continue
            # One row per id (the last given), in the order given.
            unique = {r[key]: r for r in rows}.values()
            arrow = pa.Table.from_pylist([{f: r[f] for f in fields} for r in unique])
            self.con.register("incoming", arrow)
            cols = ", ".join(f'"{f}"' for f in fields)
            self.con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM incoming)")
            if table == "documents":
                # A document's mentions are replaced as a whole: an edited post keeps none of its
                # old ones.
                self.con.execute("DELETE FROM mentions WHERE doc_id IN (SELECT doc_id FROM incoming)")
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")
            if table == "documents":
                self._reindex_text("incoming")
            self.con.unregister("incoming")
        self.set_meta("rollup", "stale")
        self._rollup_mode = "full"

    def sync(self, parts: dict[str, Partition], corrections: list[Correction],
             label_version: str) -> Sync:
        """Take in the partitions that changed since the last sync (and drop the removed
        ones): the cost follows what changed, not the size of the corpus.

        A document fetched again on a later day sits in several partitions; the store holds its
        newest fetch (ties: the later partition) with that partition's mentions, so an edited
        post keeps no stale mention. Only counted mentions are stored (channel and furniture
        mentions stay in the Parquet partitions). ``corrections`` (mention id, label, score)
        are a team's labels: they beat the model's wherever they apply, and a mention whose
        correction changed is reloaded even when its partition did not change.
        """
        import pyarrow as pa

        con = self.con
        first = self.meta("manifest") is None
        if first:
            # Rows from before the manifest (or written with upsert) have no partition to
            # answer for them: the first sync starts from nothing.
            for table in ("documents", "mentions", "doc_versions", "partitions", "corrections",
                          "search_terms", "search_docs"):
                con.execute(f"DELETE FROM {table}")
        partial = not first and self.meta("rollup") == "fresh" and self._rollup_mode != "full"
        con.execute("CREATE TEMP TABLE IF NOT EXISTS rollup_hours (hour TIMESTAMPTZ)")
        known = dict(con.execute("SELECT folder, signature FROM partitions").fetchall())
        changed = sorted(f for f, p in parts.items() if known.get(f) != p.signature)
        touched = [*changed, *sorted(set(known) - set(parts))]
        con.register("touched", pa.table({"folder": pa.array(touched, pa.string())}))
        con.register("wanted", pa.table({
            "mention_id": pa.array([c[0] for c in corrections], pa.string()),
            "sentiment": pa.array([c[1] for c in corrections], pa.string()),
            "score": pa.array([c[2] for c in corrections], pa.float64())}))
        con.execute(
            "CREATE OR REPLACE TEMP TABLE relabelled AS SELECT mention_id FROM"
            " ((SELECT * FROM corrections EXCEPT SELECT * FROM wanted) UNION ALL"
            "  (SELECT * FROM wanted EXCEPT SELECT * FROM corrections))")
        con.execute("DELETE FROM corrections")
        con.execute("INSERT INTO corrections SELECT * FROM wanted")
        incoming = [p for f, p in sorted(parts.items()) if f in set(changed)]
        self._load(incoming)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE affected AS"
            " SELECT doc_id FROM doc_versions WHERE folder IN (SELECT folder FROM touched)"
            " UNION SELECT doc_id FROM incoming_docs"
            " UNION SELECT doc_id FROM mentions WHERE mention_id IN"
            "  (SELECT mention_id FROM relabelled)")
        con.execute("DELETE FROM doc_versions WHERE folder IN (SELECT folder FROM touched)")
        con.execute("INSERT INTO doc_versions SELECT doc_id, folder, fetched FROM incoming_docs")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE winners AS SELECT doc_id, folder FROM doc_versions"
            " WHERE doc_id IN (SELECT doc_id FROM affected)"
            " QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY fetched DESC, folder DESC)"
            " = 1")
        # A newest version that sits in an unchanged partition (its newer copy was removed, or
        # its label changed) is read from there.
        more = [f for (f,) in con.execute(
            "SELECT DISTINCT folder FROM winners WHERE folder NOT IN"
            " (SELECT folder FROM touched)").fetchall()]
        if more:
            self._load(incoming + [parts[f] for f in sorted(more)])
        if partial:
            con.execute(_TOUCHED)  # the hours the affected documents leave
        for table in ("documents", "mentions"):
            con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT doc_id FROM affected)")
        con.execute(
            f"INSERT INTO documents ({_cols(ENRICHED_FIELDS)})"
            f" SELECT {_cols(ENRICHED_FIELDS, 'd.')} FROM incoming_docs d"
            " JOIN winners w USING (doc_id, folder)"
            " QUALIFY row_number() OVER (PARTITION BY d.doc_id ORDER BY d.fetched DESC) = 1"
            # In time order: the zonemaps of a first build's row groups then bound their hours
            # (see ``_touched``); an hourly run appends recent rows anyway.
            " ORDER BY d.published NULLS FIRST")
        con.execute(
            f"INSERT INTO mentions ({_cols(MENTION_FIELDS)})"
            f" SELECT {_cols(MENTION_FIELDS, 'm.')} FROM incoming_mentions m"
            " JOIN winners w USING (doc_id, folder)"
            " WHERE m.counted IS NOT FALSE"
            " QUALIFY row_number() OVER (PARTITION BY m.mention_id) = 1"
            " ORDER BY m.published NULLS FIRST")
        con.execute(
            "UPDATE mentions SET sentiment = c.sentiment, score = c.score,"
            " versions = CASE WHEN contains(versions, ?) THEN versions"
            "  ELSE versions || ';' || ? END"
            " FROM corrections c WHERE mentions.mention_id = c.mention_id"
            " AND mentions.doc_id IN (SELECT doc_id FROM affected)",
            [label_version, label_version])
        self._reindex_text("affected")
        if partial:
            con.execute(_TOUCHED)  # and the hours they arrive in
        con.execute("DELETE FROM partitions WHERE folder IN (SELECT folder FROM touched)")
        if changed:
            con.executemany("INSERT INTO partitions VALUES (?, ?)",
                            [[f, parts[f].signature] for f in changed])
        self.set_meta("manifest", "partitions")
        written = [r[0] for r in con.execute(
            "SELECT doc_id FROM documents WHERE doc_id IN (SELECT doc_id FROM affected)"
            " ORDER BY doc_id").fetchall()]
        # The affected documents not written are gone (a set difference in Python: "NOT IN
        # documents" scanned every document id).
        gone = sorted({r[0] for r in con.execute("SELECT doc_id FROM affected").fetchall()}
                      - set(written))
        row = con.execute("SELECT count(*) FROM mentions JOIN corrections USING (mention_id)"
                          ).fetchone()
        for name in ("touched", "wanted", "incoming_docs", "incoming_mentions"):
            con.unregister(name)
        if written or gone:
            self.set_meta("rollup", "stale")
            self._rollup_mode = "partial" if partial else "full"
        return Sync(partitions=len(touched), written=written, removed=gone,
                    corrected=int(row[0]) if row else 0)

    def _load(self, parts: list[Partition]) -> None:
        """Register the rows of ``parts`` as ``incoming_docs`` and ``incoming_mentions``."""
        import pyarrow as pa

        docs = [read_table(p.enriched, ENRICHED_SCHEMA, p.folder) for p in parts]
        mentions = [read_table(p.mentions, MENTION_SCHEMA, p.folder) for p in parts]
        self.con.register("incoming_docs", pa.concat_tables(docs) if docs else
                          read_table(Path("-"), ENRICHED_SCHEMA, ""))
        self.con.register("incoming_mentions", pa.concat_tables(mentions) if mentions else
                          read_table(Path("-"), MENTION_SCHEMA, ""))

    def rows_of(self, doc_ids: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The stored documents and mentions of ``doc_ids`` (what a projection is sent)."""
        import pyarrow as pa

        self.con.register("wanted_ids", pa.table({"doc_id": pa.array(doc_ids, pa.string())}))
        try:
            docs = self._rows("SELECT * FROM documents WHERE doc_id IN"
                              " (SELECT doc_id FROM wanted_ids) ORDER BY doc_id")
            mentions = self._rows("SELECT * FROM mentions WHERE doc_id IN"
                                  " (SELECT doc_id FROM wanted_ids) ORDER BY mention_id")
        finally:
            self.con.unregister("wanted_ids")
        return docs, mentions

    def meta(self, key: str) -> str | None:
        """A value the store keeps about itself (``store_meta``)."""
        row = self.con.execute("SELECT value FROM store_meta WHERE key = ?", [key]).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Keep ``value`` under ``key`` in ``store_meta`` (published with the store)."""
        self.con.execute("INSERT OR REPLACE INTO store_meta VALUES (?, ?)", [key, value])

    def queue_projection(self, target: str, doc_ids: list[str]) -> list[str]:
        """Add ``doc_ids`` to what the projection ``target`` has not received; a target the
        store has never sent to (a new cluster or index prefix) is owed every document.
        Returns the whole backlog."""
        import pyarrow as pa

        if self.meta("projection") != target:
            self.con.execute("DELETE FROM projection_pending")
            self.con.execute("INSERT INTO projection_pending SELECT doc_id FROM documents")
            self.set_meta("projection", target)
        self.con.register("queued", pa.table({"doc_id": pa.array(doc_ids, pa.string())}))
        self.con.execute("INSERT OR IGNORE INTO projection_pending SELECT DISTINCT doc_id FROM queued")
        self.con.unregister("queued")
        return [r[0] for r in self.con.execute(
            "SELECT doc_id FROM projection_pending ORDER BY doc_id").fetchall()]

    def projection_sent(self, doc_ids: list[str]) -> None:
        """The projection holds ``doc_ids`` as the store does now."""
        import pyarrow as pa

        self.con.register("sent", pa.table({"doc_id": pa.array(doc_ids, pa.string())}))
        self.con.execute("DELETE FROM projection_pending WHERE doc_id IN (SELECT doc_id FROM sent)")
        self.con.unregister("sent")

    def label_queue(self, brand: str | None, sentiment: str | None,
                    limit: int) -> list[LabelCandidate]:
        """Scored mentions no one has labelled yet, least certain first: a score near the class
        boundary is where a correction teaches most."""
        where, params = _window("published", None, None,
                                Filters(brands=(brand,) if brand else (),
                                        sentiments=(sentiment,) if sentiment else ()))
        return self._typed(LabelCandidate,
            "SELECT mention_id, brand, language, sentiment, score, span_text, published"
            f" FROM mentions WHERE {where} AND sentiment <> 'unscored' AND mention_id NOT IN"
            " (SELECT mention_id FROM corrections)"
            " ORDER BY abs(abs(score) - 0.5), mention_id LIMIT ?", [*params, limit])

    def _reindex_text(self, ids: str) -> None:
        """Bring the search terms of the documents in table ``ids`` up to date."""
        for table in ("search_terms", "search_docs"):
            self.con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT doc_id FROM {ids})")
        for statement in _INDEX_TEXT.replace("$ids", ids).split(";"):
            self.con.execute(statement)

    def build_rollup(self, partial: bool = False) -> None:
        """(Re)build the hourly rollup the dashboard queries read; ``partial``: only the hours
        the syncs of this writer touched (``rollup_hours``), so an hourly run costs what it
        changed, not the size of the corpus."""
        if partial and len(self.con.execute(
                "SELECT DISTINCT table_name FROM duckdb_columns() WHERE (table_name = 'author_rollup'"
                " AND column_name = 'brand') OR table_name IN ('author_posts', 'author_month',"
                " 'author_posts_month')").fetchall()) < 4:
            partial = False  # a rollup from before the author tables it reads now: built anew
        span = self._touched_span() if partial else TouchedSpan(None, None, False)
        scope = _touched(span, "published", "hour") if partial else "TRUE"
        self.con.execute(_PER_DOC.format(scope=scope))
        for table, select in _ROLLUP_SELECTS.items():
            query = select.format(scope=scope)
            if partial:
                self.con.execute(f"DELETE FROM {table} WHERE {_touched(span, 'hour', 'hour')}")
                self.con.execute(f"INSERT INTO {table} BY NAME {query}")
            else:
                self.con.execute(f"CREATE OR REPLACE TABLE {table} AS {query}")
        for table, select in _MONTHLY_SELECTS.items():
            if partial:  # the touched months whole, from the hourly rows just rebuilt
                self.con.execute(f"DELETE FROM {table} WHERE {_touched(span, 'month', 'month')}")
                self.con.execute(f"INSERT INTO {table} BY NAME"
                                 f" {select.format(scope=_touched(span, 'hour', 'month'))}")
            else:
                self.con.execute(f"CREATE OR REPLACE TABLE {table} AS"
                                 f" {select.format(scope='TRUE')}")
        self.con.execute("DROP TABLE per_doc")
        self.set_meta("rollup", "fresh")

    def _touched_span(self) -> TouchedSpan:
        """The first and the last hour the syncs of this writer touched (``rollup_hours``),
        and whether undated rows were among them."""
        row = self.con.execute(
            "SELECT min(hour), max(hour), coalesce(bool_or(hour IS NULL), false)"
            " FROM rollup_hours").fetchone()
        return TouchedSpan(*row) if row else TouchedSpan(None, None, False)

    def _rollup(self, since: datetime | None, until: datetime | None,
                filters: Filters) -> tuple[str, list[Any], str] | None:
        """WHERE clause, parameters and document column for the rollup, or None when only the
        mention rows can answer exactly: a window not on whole hours, several sentiments, or a
        rollup older than the last write."""
        if not self.use_rollup or len(filters.sentiments) > 1:
            return None
        if any(t is not None and (t.minute or t.second or t.microsecond) for t in (since, until)):
            return None
        try:
            fresh = self.meta("rollup") == "fresh"
        except duckdb.CatalogException:  # a store from before the rollup, opened read-only
            return None
        if not fresh:
            return None
        where, params = _window("hour", since, until, replace(filters, sentiments=()))
        docs = f"docs_{filters.sentiments[0]}" if filters.sentiments else "docs"
        return where, params, docs

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("documents", "mentions"):
            row = self.con.execute(f"SELECT count(*), count(*) FILTER (WHERE published IS NULL) "
                                   f"FROM {table}").fetchone()
            out[table], out[f"undated_{table}"] = (int(row[0]), int(row[1])) if row else (0, 0)
        return out

    def brand_counts(self, since: datetime | None, until: datetime | None,
                     per_story: bool, filters: Filters = NO_FILTERS) -> dict[str, int]:
        fast = self._rollup(since, until, filters)
        if fast is not None:
            where, params, docs = fast
            if not per_story:
                rows = self.con.execute(
                    f"SELECT brand, sum({docs}) FROM mention_rollup WHERE {where}"
                    f" GROUP BY brand HAVING sum({docs}) > 0", params).fetchall()
                return {str(b): int(n) for b, n in rows}
            singles = docs.replace("docs", "singles")
            flag = _story_flag(filters)
            rows = self.con.execute(
                f"SELECT brand, sum(n) FROM (SELECT brand, sum({singles}) AS n FROM mention_rollup"
                f" WHERE {where} GROUP BY brand UNION ALL SELECT brand, count(DISTINCT story_id)"
                f" FROM story_rollup WHERE {where}{flag} GROUP BY brand)"
                " GROUP BY brand HAVING sum(n) > 0", [*params, *params]).fetchall()
            return {str(b): int(n) for b, n in rows}
        where, params = _window("published", since, until, filters)
        unit = "story_id" if per_story else "doc_id"
        rows = self.con.execute(
            f"SELECT brand, count(DISTINCT {unit}) FROM mentions WHERE {where} GROUP BY brand",
            params).fetchall()
        return {str(b): int(n) for b, n in rows}

    def brand_source_counts(self, since: datetime | None, until: datetime | None,
                            filters: Filters = NO_FILTERS) -> list[SourceCount]:
        fast = self._rollup(since, until, filters)
        if fast is not None:
            where, params, docs = fast
            return self._typed(SourceCount,
                f"SELECT brand, source, CAST(sum({docs}) AS BIGINT) AS mentions FROM mention_rollup"
                f" WHERE {where} GROUP BY ALL HAVING sum({docs}) > 0 ORDER BY brand, source",
                params)
        where, params = _window("published", since, until, filters)
        return self._typed(SourceCount,
            "SELECT brand, source, count(DISTINCT doc_id) AS mentions FROM mentions "
            f"WHERE {where} GROUP BY ALL ORDER BY brand, source", params)

    def _author_rows(self, table: str, since: datetime | None,
                     until: datetime | None) -> tuple[str, list[Any]]:
        """The rows of author table ``table`` (``author_rollup`` or ``author_posts``) in the
        period, as a relation: its whole months from the monthly table, the hours before the
        first and after the last whole month from the hourly one."""
        month_table, hourly, monthly = _AUTHOR_TABLES[table]
        low = None if since is None else _month_start(since, up=True)
        high = None if until is None else _month_start(until, up=False)
        if low is not None and high is not None and low >= high:  # no whole month inside
            where, params = _window("hour", since, until)
            return f"(SELECT {hourly} FROM {table} WHERE {where})", params
        months, params = _window("month", low, high)
        edges: list[str] = []
        for start, end in ((since, low), (high, until)):
            if start is not None and end is not None and start < end:
                edges.append(f"SELECT {hourly} FROM {table} WHERE hour >= ? AND hour < ?")
                params += [start, end]
        return ("(" + " UNION ALL ".join([f"SELECT {monthly} FROM {month_table}"
                                          f" WHERE {months}", *edges]) + ")"), params

    def author_stats(self, since: datetime | None, until: datetime | None,
                     brands: tuple[str, ...] = ()) -> list[AuthorStat]:
        sql, params = self._author_stats_sql(since, until, brands)
        return self._typed(AuthorStat, f"{sql} ORDER BY author, source", params)

    def author_ranking(self, since: datetime | None, until: datetime | None,
                       brands: tuple[str, ...] = (), min_active: int = 3,
                       limit: int | None = None) -> AuthorRanking:
        """Authors' segments and their page order, ranked inside DuckDB: a view of ten million
        mentions has tens of thousands of authors, and turning all of them into Python rows to
        show two hundred took most of the authors page's time.

        influencer — replies received in the top 1 % of authors (the ⌈1 %⌉-th largest count of
        replies) and at least ``min_active``; occasional — fewer than ``min_active`` scored
        mentions; advocate — ≥ 60 % of the scored mentions positive; critic — ≥ 60 % negative;
        observer — the rest. Order: segment, replies and mentions descending, author, source.
        """
        sql, params = self._author_stats_sql(since, until, brands)
        order = "replies DESC, mentions DESC, author, source"
        cols = ", ".join(f.name for f in dataclass_fields(AuthorStat))
        rows = self.con.execute(
            f"WITH stats AS MATERIALIZED ({sql}),"
            " cut AS (SELECT greatest(coalesce(max(replies) FILTER"
            "  (WHERE rank = greatest(ceil(n * 0.01), 1)), 0), ?) AS cut FROM"
            "  (SELECT replies, row_number() OVER (ORDER BY replies DESC) AS rank,"
            "   count(*) OVER () AS n FROM stats)),"
            " segmented AS (SELECT s.*, CASE WHEN replies >= cut THEN 0"
            "  WHEN positive + negative + neutral < ? THEN 4"
            "  WHEN positive + negative + neutral > 0"
            "   AND positive / (positive + negative + neutral) >= 0.6 THEN 2"
            "  WHEN positive + negative + neutral > 0"
            "   AND negative / (positive + negative + neutral) >= 0.6 THEN 1"
            "  ELSE 3 END AS segment FROM stats s, cut),"
            " placed AS (SELECT *, row_number() OVER (ORDER BY segment, {order}) AS place,"
            "  row_number() OVER (PARTITION BY segment ORDER BY {order}) AS in_segment,"
            "  count(*) OVER (PARTITION BY segment) AS segment_size FROM segmented)"
            f" SELECT segment, segment_size, place <= ? AS shown, {cols} FROM placed"
            " WHERE place <= ? OR in_segment = 1 ORDER BY place".replace("{order}", order),
            [*params, min_active, min_active, *[2**62 if limit is None else limit] * 2]).fetchall()
        return AuthorRanking(
            segments={AUTHOR_SEGMENTS[r[0]]: int(r[1]) for r in sorted(rows, key=lambda r: r[0])},
            authors=[(AUTHOR_SEGMENTS[r[0]], AuthorStat(*r[3:])) for r in rows if r[2]])

    def _author_stats_sql(self, since: datetime | None, until: datetime | None,
                          brands: tuple[str, ...]) -> tuple[str, list[Any]]:
        """The query of :meth:`author_stats` (unordered) and its parameters: from the author
        rollups when they are fresh, else from the rows."""
        fast = self._rollup(since, until, NO_FILTERS)
        try:
            if fast is not None:
                # The query runs later: a store from before the author tables must be seen now.
                self.con.execute("SELECT 1 FROM author_rollup, author_posts, author_month,"
                                 " author_posts_month LIMIT 0")
            if fast is not None and len(brands) > 1:
                said, said_params = self._author_rows("author_rollup", since, until)
                posted, posted_params = self._author_rows("author_posts", since, until)
                marks = ", ".join("?" for _ in brands)
                sums = ", ".join(f"CAST(sum({c}) AS BIGINT) AS {c}"
                                 for c in ("mentions", "positive", "negative", "neutral"))
                return (
                    f"WITH said AS (SELECT author, source, {sums} FROM {said}"
                    f"  WHERE brand IN ({marks}) GROUP BY ALL),"
                    " posted AS (SELECT author, source, CAST(sum(posts) AS BIGINT) AS posts,"
                    f"  CAST(sum(replies) AS BIGINT) AS replies FROM {posted}"
                    f"  WHERE list_has_any(brands, [{marks}]) GROUP BY ALL)"
                    " SELECT p.author, p.source, p.posts, s.mentions, s.positive, s.negative,"
                    " s.neutral, p.replies FROM posted p JOIN said s USING (author, source)",
                    [*said_params, *brands, *posted_params, *brands])
            if fast is not None:
                said, params = self._author_rows("author_rollup", since, until)
                which = "brand = ?" if brands else "brand IS NULL"
                return (
                    "SELECT author, source, CAST(sum(posts) AS BIGINT) AS posts,"
                    " CAST(sum(mentions) AS BIGINT) AS mentions,"
                    " CAST(sum(positive) AS BIGINT) AS positive,"
                    " CAST(sum(negative) AS BIGINT) AS negative,"
                    " CAST(sum(neutral) AS BIGINT) AS neutral,"
                    f" CAST(sum(replies) AS BIGINT) AS replies FROM {said} WHERE {which}"
                    " GROUP BY ALL", [*params, *brands])
        except duckdb.CatalogException:  # a rollup from before the author tables, read-only
            pass
        where, params = _window("d.published", since, until)
        # Some brands: their posts only (a post mentioning one of them), their mentions only.
        chosen, mentioned = "TRUE", "TRUE"
        if brands:
            marks = ", ".join("?" for _ in brands)
            chosen = f"doc_id IN (SELECT doc_id FROM mentions WHERE brand IN ({marks}))"
            mentioned = f"m.brand IN ({marks})"
        return (
            "WITH posts AS (SELECT doc_id, source, author_pseudonym, post_id FROM documents d"
            "  WHERE author_pseudonym IS NOT NULL AND source_kind IN ('forum', 'review')"
            f"  AND {where} AND {chosen}),"
            " replies AS (SELECT p.author_pseudonym AS author, p.source, count(*) AS replies"
            "  FROM posts p JOIN documents r ON r.source = p.source AND r.reply_to = p.post_id"
            "  AND r.doc_id <> p.doc_id GROUP BY ALL),"
            " said AS (SELECT p.author_pseudonym AS author, p.source,"
            "  count(DISTINCT p.doc_id) AS posts, count(m.mention_id) AS mentions,"
            "  count(m.mention_id) FILTER (WHERE m.sentiment = 'positive') AS positive,"
            "  count(m.mention_id) FILTER (WHERE m.sentiment = 'negative') AS negative,"
            "  count(m.mention_id) FILTER (WHERE m.sentiment = 'neutral') AS neutral"
            f"  FROM posts p LEFT JOIN mentions m ON m.doc_id = p.doc_id AND {mentioned}"
            "  GROUP BY ALL)"
            " SELECT s.author, s.source, s.posts, s.mentions, s.positive, s.negative,"
            " s.neutral, coalesce(r.replies, 0) AS replies FROM said s"
            " LEFT JOIN replies r USING (author, source)",
            [*params, *brands, *brands])

    def facets(self) -> dict[str, list[str]]:
        """The values the mention filters can take: ``source``, ``source_kind``, ``language``
        (the dashboard's choices), each sorted."""
        # The rollup has one row per brand, hour, source, kind and language: far fewer rows.
        table = "mention_rollup" if self._rollup(None, None, NO_FILTERS) else "mentions"
        return {field: [str(v) for (v,) in self.con.execute(
                    f"SELECT DISTINCT {field} FROM {table} WHERE {field} IS NOT NULL"
                    f" ORDER BY {field}").fetchall()]
                for field in ("source", "source_kind", "language")}

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        row = self.con.execute("SELECT min(published), max(published) FROM mentions").fetchone()
        return (row[0], row[1]) if row else (None, None)

    def hourly(self, since: datetime | None, until: datetime | None,
               filters: Filters = NO_FILTERS) -> list[HourCount]:
        fast = self._rollup(since, until, filters)
        if fast is not None:
            where, params, docs = fast
            return self._typed(HourCount,
                f"SELECT brand, hour, CAST(sum({docs}) AS BIGINT) AS mentions,"
                " CAST(sum(docs_negative) AS BIGINT) AS negative FROM mention_rollup"
                f" WHERE hour IS NOT NULL AND {where} GROUP BY ALL ORDER BY hour, brand", params)
        where, params = _window("published", since, until, filters)
        return self._typed(HourCount,
            "SELECT brand, date_trunc('hour', published) AS hour, count(DISTINCT doc_id) AS mentions,"
            " count(DISTINCT doc_id) FILTER (WHERE sentiment = 'negative') AS negative "
            f"FROM mentions WHERE published IS NOT NULL AND {where} GROUP BY ALL ORDER BY hour, brand",
            params)

    def daily(self, since: datetime | None, until: datetime | None,
              filters: Filters = NO_FILTERS, zone: str = "UTC") -> list[DayCount]:
        fast = self._rollup(since, until, filters) if _whole_hours(zone, since, until) else None
        if fast is not None:
            where, params, docs = fast
            counts = _sentiment_sums(filters)
            return self._typed(DayCount,
                "SELECT brand, CAST(timezone(?, hour) AS DATE) AS day,"
                f" CAST(sum({docs}) AS BIGINT) AS mentions, {counts} FROM mention_rollup"
                f" WHERE hour IS NOT NULL AND {where} GROUP BY ALL HAVING sum({docs}) > 0"
                " ORDER BY day, brand", [zone, *params])
        where, params = _window("published", since, until, filters)
        return self._typed(DayCount,
            "SELECT brand, CAST(timezone(?, published) AS DATE) AS day,"
            " count(DISTINCT doc_id) AS mentions,"
            " count(*) FILTER (WHERE sentiment = 'positive') AS positive,"
            " count(*) FILTER (WHERE sentiment = 'negative') AS negative,"
            " count(*) FILTER (WHERE sentiment = 'neutral') AS neutral,"
            " count(*) FILTER (WHERE sentiment = 'unscored') AS unscored "
            f"FROM mentions WHERE published IS NOT NULL AND {where} GROUP BY ALL ORDER BY day, brand",
            [zone, *params])

    def sentiment(self, since: datetime | None, until: datetime | None,
                  filters: Filters = NO_FILTERS) -> list[Sentiments]:
        fast = self._rollup(since, until, filters)
        if fast is not None:
            where, params, docs = fast
            counts = _sentiment_sums(filters)
            return self._typed(Sentiments, f"SELECT brand, {counts} FROM mention_rollup WHERE {where}"
                              f" GROUP BY brand HAVING sum({docs}) > 0 ORDER BY brand", params)
        where, params = _window("published", since, until, filters)
        return self._typed(Sentiments,
            "SELECT brand, count(*) FILTER (WHERE sentiment = 'positive') AS positive,"
            " count(*) FILTER (WHERE sentiment = 'negative') AS negative,"
            " count(*) FILTER (WHERE sentiment = 'neutral') AS neutral,"
            " count(*) FILTER (WHERE sentiment = 'unscored') AS unscored "
            f"FROM mentions WHERE {where} GROUP BY brand ORDER BY brand", params)

    def phrase_docs(self, since: datetime, brand: str | None = None,
                    until: datetime | None = None) -> list[PhraseDoc]:
        about = " AND doc_id IN (SELECT doc_id FROM mentions WHERE brand = ?)" if brand else ""
        before = " AND published < ?" if until else ""
        return self._typed(PhraseDoc,
            "SELECT unnest(key_phrases) AS phrase, doc_id, domain, published, language"
            " FROM documents "
            f"WHERE published >= ?{before}{about}",
            [since, *([until] if until else []), *([brand] if brand else [])])

    def explore(self, query: str | None, since: datetime | None, until: datetime | None,
                filters: Filters = NO_FILTERS, sort: str = "newest", offset: int = 0,
                limit: int = 50, fold: str = "story") -> ExplorerPage:
        """One page of the mention explorer: mentions in [since, until) passing ``filters``
        (and the full-text ``query``), ordered by ``sort`` (one of ``EXPLORER_SORTS``), with
        the number of rows of the whole view. ``fold`` (one of ``EXPLORER_FOLDS``): one row per
        brand and story (syndicated copies folded; the copy first in the order shows, with how
        many documents it stands for), per brand and document, or per mention (``none``)."""
        order = EXPLORER_SORTS[sort]
        where, params = _window("m.published", since, until, filters, prefix="m.")
        where_params = list(params)
        head, join, rank = "WITH", "", "CAST(NULL AS DOUBLE)"
        if query:
            head, join, rank = f"{_BM25},", " JOIN ranked r ON r.doc_id = m.doc_id", "r.rank"
            params = [query, *params]
        unit = EXPLORER_FOLDS[fold]
        # Mention rows only until the page is known: joining every mention to its document (or
        # counting copies for every story) to show 50 rows took seconds on a million mentions.
        hits = (f"{head} hits AS (SELECT m.mention_id, m.brand, m.matched, m.sentiment,"
                " m.score, m.span_text, m.published, m.language, m.source, m.source_kind,"
                f" m.doc_id, m.story_id, {rank} AS rank FROM mentions m{join} WHERE {where})")
        picked = (f"SELECT * FROM hits QUALIFY row_number() OVER (PARTITION BY {unit}"
                  f" ORDER BY {order}) = 1" if unit else "SELECT * FROM hits")
        total = self._explorer_total(query, hits, params, since, until, filters, fold)
        copies, again = self._story_copies(since, until, filters, where, where_params) \
            if fold == "story" else ("", [])
        joined = (" LEFT JOIN c ON c.brand = p.brand AND c.g = coalesce(p.story_id, p.doc_id)"
                  if fold == "story" else "")
        count = "coalesce(c.n, 1)" if fold == "story" else "1"

        def page(source: str, near: list[Any]) -> list[dict[str, Any]]:
            return self._rows(
                f"{hits}, p AS ({source} ORDER BY {order} LIMIT ? OFFSET ?){copies}"
                f" SELECT * FROM (SELECT p.*, d.url, d.title, d.author_pseudonym AS author,"
                f" CAST({count} AS INTEGER) AS copies FROM p JOIN documents d USING (doc_id)"
                f"{joined}) ORDER BY {order}", [*params, *near, limit, offset, *again])

        if not unit:
            edge, near = self._time_edge(query, sort, since, until, filters, offset + limit)
            return ExplorerPage(total, offset, [ExplorerRow(**r) for r in
                                                page(f"SELECT * FROM hits WHERE {edge}", near)])
        # Folding: a group's row is its first mention in the order, and groups come in the
        # order of those rows, so the first N groups are among the first mentions in order.
        # Fold only the first few times N mentions (a top-N, not a sort of the whole view); a
        # full page proves they held enough groups, else fold everything.
        few = (offset + limit) * 4
        edge, near = self._time_edge(query, sort, since, until, filters, few)
        rows = page(f"SELECT * FROM (SELECT * FROM hits WHERE {edge} ORDER BY {order}"
                    f" LIMIT {few}) QUALIFY row_number() OVER (PARTITION BY {unit}"
                    f" ORDER BY {order}) = 1", near)
        if len(rows) < limit and offset + len(rows) < total:
            rows = page(picked, [])
        return ExplorerPage(total, offset, [ExplorerRow(**r) for r in rows])

    def _time_edge(self, query: str | None, sort: str, since: datetime | None,
                   until: datetime | None, filters: Filters, rows: int) -> tuple[str, list[Any]]:
        """A condition on ``published`` that keeps the first ``rows`` mentions of a view in
        time order and little else, with its parameters ("TRUE" where it cannot tell). The
        rollup's hourly counts say from which hour on the view holds that many mentions; with
        that bound the top-N reads a few hundred rows instead of sorting every mention of an
        all-data view (1.3 s on ten million mentions; DuckDB fetches the other columns late
        only for 50 rows or fewer)."""
        fast = self._rollup(since, until, filters) if query is None else None
        if fast is None or sort not in ("newest", "oldest"):
            return "TRUE", []
        where, params, _ = fast
        newest = sort == "newest"
        counted = " + ".join(filters.sentiments or _SENTIMENTS)
        found = self.con.execute(
            f"SELECT hour FROM (SELECT hour, sum(sum({counted}))"
            f" OVER (ORDER BY hour {'DESC' if newest else 'ASC'}) AS seen FROM mention_rollup"
            f" WHERE {where} AND hour IS NOT NULL GROUP BY hour) WHERE seen >= ?"
            f" ORDER BY hour {'DESC' if newest else 'ASC'} LIMIT 1", [*params, rows]).fetchone()
        if not found:
            return "TRUE", []
        # An hour's mentions were published from its start on, so from there on (or before
        # two hours later: a local hour across a half-hour clock change lasts 90 minutes)
        # there are at least ``rows`` of them.
        return (("published >= ?", [found[0]]) if newest
                else ("published < ?", [found[0] + timedelta(hours=2)]))

    def _story_copies(self, since: datetime | None, until: datetime | None, filters: Filters,
                      where: str, params: list[Any]) -> tuple[str, list[Any]]:
        """A CTE ``c`` (brand, g, n) counting the documents of the page's stories ``p`` in the
        view, and its parameters. The rollup keeps one row per document of the stories with
        several (a story without a row there is one document); counted from the mention rows,
        even for one page's stories, the scan of ten million rows took most of a second."""
        fast = self._rollup(since, until, filters)
        if fast is not None:
            rolled, rolled_params, _ = fast
            flag = _story_flag(filters)
            return (", c AS (SELECT brand, story_id AS g, count(*) AS n FROM story_rollup"
                    f" WHERE {rolled}{flag} AND story_id IN (SELECT story_id FROM p)"
                    " GROUP BY ALL)"), rolled_params
        # (From the mention rows, not ``hits``: a second reference makes DuckDB materialise it.)
        return (", c AS (SELECT m.brand, coalesce(m.story_id, m.doc_id) AS g,"
                f" count(DISTINCT m.doc_id) AS n FROM mentions m WHERE {where} AND"
                " coalesce(m.story_id, m.doc_id) IN (SELECT coalesce(story_id, doc_id) FROM p)"
                " GROUP BY ALL)"), params

    def _explorer_total(self, query: str | None, hits: str, params: list[Any],
                        since: datetime | None, until: datetime | None, filters: Filters,
                        fold: str) -> int:
        """Rows of an explorer view. Without search words these are the counts the dashboard
        shows (documents or stories per brand, mentions per sentiment), answered by the rollup
        where it can — so a number and the list it opens always agree."""
        if query is None and fold == "none":
            return sum(r.positive + r.negative + r.neutral + r.unscored
                       for r in self.sentiment(since, until, filters))
        if query is None:
            return sum(self.brand_counts(since, until, fold == "story", filters).values())
        unit = EXPLORER_FOLDS[fold]
        counted = f"SELECT count(*) FROM (SELECT DISTINCT {unit} FROM hits)" if unit else \
            "SELECT count(*) FROM hits"
        found = self.con.execute(f"{hits} {counted}", params).fetchone()
        return int(found[0]) if found else 0

    def topic_documents(self, phrases: list[str], since: datetime, until: datetime,
                        brand: str | None = None, offset: int = 0,
                        limit: int = 50) -> tuple[int, list[TopicDocument]]:
        """Documents published in [since, until) holding any of ``phrases`` as a key phrase
        (only those mentioning ``brand`` when given) — what a trending topic counts, with or
        without a brand in them — newest first, and how many there are."""
        about = " AND doc_id IN (SELECT doc_id FROM mentions WHERE brand = ?)" if brand else ""
        where = f"list_has_any(key_phrases, ?) AND published >= ? AND published < ?{about}"
        params: list[Any] = [phrases, since, until, *([brand] if brand else [])]
        found = self.con.execute(f"SELECT count(*) FROM documents WHERE {where}",
                                 params).fetchone()
        rows = self._typed(TopicDocument,
            "SELECT d.doc_id, d.title, d.url, d.source, d.published, coalesce((SELECT"
            " list(DISTINCT m.brand ORDER BY m.brand) FROM mentions m WHERE m.doc_id = d.doc_id),"
            f" []) AS brands FROM documents d WHERE {where}"
            " ORDER BY d.published DESC, d.doc_id LIMIT ? OFFSET ?", [*params, limit, offset])
        return (int(found[0]) if found else 0), rows

    def top_documents(self, brand: str, since: datetime, until: datetime,
                      limit: int, most: str = "negative") -> list[TopDocument]:
        order = "DESC" if most == "positive" else "ASC"
        return self._typed(TopDocument,
            "SELECT m.doc_id, d.url, d.title, m.span_text, m.score, m.sentiment, d.source, "
            "d.key_phrases "
            "FROM mentions m JOIN documents d USING (doc_id) WHERE m.brand = ? AND m.published >= ?"
            f" AND m.published < ? ORDER BY m.score {order}, m.published, m.mention_id LIMIT ?",
            [brand, since, until, limit])

    def save_alerts(self, alerts: list[dict[str, Any]]) -> None:
        self.con.execute("DELETE FROM alerts")
        for a in alerts:
            self.con.execute("INSERT INTO alerts VALUES (?, ?, ?)",
                             [a["alert_id"], a["start"], json.dumps(a, default=str)])

    def _replace(self, table: str, rows: list[dict[str, Any]]) -> None:
        import pyarrow as pa

        self.con.execute(f"DELETE FROM {table}")
        if rows:
            self.con.register("incoming", pa.Table.from_pylist(rows))
            self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
            self.con.unregister("incoming")

    def save_trends(self, rows: list[dict[str, Any]]) -> None:
        self._replace("trends", rows)

    def save_health(self, rows: list[dict[str, Any]]) -> None:
        self._replace("health", rows)

    def trends(self) -> list[Trend]:
        """The trending topics the last analyse run found (overall: ``brand`` None; and per
        brand), in the order they are shown."""
        return self._typed(Trend,
            "SELECT phrase, coalesce(variants, []) AS variants, brand, window_hours, state,"
            " documents, baseline_documents, domains, growth, doc_ids, computed FROM trends"
            " ORDER BY window_hours, CASE state WHEN 'emerging' THEN 0 WHEN 'rising' THEN 1"
            " ELSE 2 END, documents DESC, phrase, brand NULLS FIRST")

    def alerts(self) -> list[dict[str, Any]]:
        rows = self.con.execute("SELECT body FROM alerts ORDER BY start DESC").fetchall()
        return [json.loads(r[0]) for r in rows]

    def close(self) -> None:
        """A reader lets go of the store; a writer publishes what it wrote."""
        if self.read_only or self._lock is None:
            self.con.close()
            return
        try:
            if self._rollup_mode is not None:
                self.build_rollup(partial=self._rollup_mode == "partial")
            self.con.execute("CHECKPOINT")
            if self.compact_on_close:
                self._compact()
            self.con.close()
            os.replace(self._next, self.path)
            _sync_folder(self.path.parent)
        finally:
            self._release()

    def _compact(self) -> None:
        """Replace the writer's copy by a fresh file holding only the live rows."""
        fresh = self._next.with_name(self._next.name + ".compact")
        fresh.unlink(missing_ok=True)
        (name,) = self.con.execute("SELECT current_database()").fetchone() or ("",)
        self.con.execute(f"ATTACH '{fresh}' AS compacted")
        self.con.execute(f'COPY FROM DATABASE "{name}" TO compacted')
        self.con.execute("DETACH compacted")
        self.con.close()
        os.replace(fresh, self._next)
        self.con = self._connect(self._next, read_only=False)

    def abort(self) -> None:
        """A writer drops what it wrote: the published store stays as it was."""
        self.con.close()
        if self._lock is not None:
            self._next.unlink(missing_ok=True)
            self._release()

    def _release(self) -> None:
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()
        self._lock = None


def _writer_lock(path: Path) -> Any:
    """Hold the writers' lock file, waiting (and saying so) while another writer has it."""
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log.warning("%s: another run is writing the store; waiting for it", path.parent)
        fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def _sync_folder(folder: Path) -> None:
    """Make the rename durable: a crash right after it must not bring the old name back."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
