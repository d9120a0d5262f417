"""Crawl state: article URLs already archived, feed/sitemap validators, and the articles that
failed and are fetched again in later runs (the retry set).

It lives in the team state (:mod:`brandradar.teamstate`): SQLite in the work directory on a
laptop, PostgreSQL for a team, so two workers crawling different sources at once share it. Seen
URLs are keyed by a 16-byte hash of the canonical URL, so memory stays flat however many URLs
were seen, and the state survives a killed crawl: a URL is marked seen only after its WARC
record is flushed, and marks are written in small batches (at most ``commit_every`` URLs or
``commit_seconds``), so a crash refetches at most the pages of one batch (the extract stage
deduplicates by document id, so nothing is duplicated downstream either). An earlier release's
``state/crawl-state.sqlite`` is taken over the first time the state is opened.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

from sqlalchemy import Connection, Engine, bindparam, delete, func, select
from sqlalchemy.exc import OperationalError

from brandradar.errors import ConfigError
from brandradar.teamstate import engine_for, upsert
from brandradar.teamstate.schema import crawl_retry, crawl_seen, crawl_validators
from brandradar.urls import canonical_url

# A failed article is tried again by later runs, waiting first × 2^(attempts − 1) seconds
# between tries (settings ``article_retry_wait``, at most RETRY_LONGEST); after
# ``article_retry_attempts`` it stays in the set as missing (health names it) but is no longer
# fetched.
RETRY_LONGEST = 24 * 3600


_SEEN = select(crawl_seen.c.source).where(crawl_seen.c.key == bindparam("key"))


def _key(url: str) -> bytes:
    return hashlib.blake2b(canonical_url(url).encode("utf-8"), digest_size=16).digest()


class CrawlState:
    """Seen article URLs, HTTP validators and the retry set of one project."""

    def __init__(self, engine: Engine, commit_every: int = 200,
                 commit_seconds: float = 2.0) -> None:
        self.engine = engine
        self.commit_every = commit_every
        self.commit_seconds = commit_seconds
        # Marks not written yet: canonical URL hash → (canonical URL, source).
        self._pending: dict[bytes, tuple[str, str]] = {}
        self._oldest = 0.0
        self._reader: Connection | None = None

    def seen(self, url: str) -> bool:
        """Whether this article (by canonical URL) was archived before."""
        key = _key(url)
        if key in self._pending:
            return True
        try:
            return self._lookup(key)
        except OperationalError:
            # The database restarted under the crawl: one new connection, then give up.
            if self._reader is not None:
                self._reader.invalidate()
            self._reader = None
            return self._lookup(key)

    def _lookup(self, key: bytes) -> bool:
        if self._reader is None:
            # One connection for the many lookups of a crawl, each its own statement (no
            # transaction held open: other workers' marks are seen at once).
            self._reader = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._reader.execute(_SEEN, {"key": key}).first() is not None

    def mark_seen(self, url: str, source: str) -> None:
        """Record an archived article (it leaves the retry set); written in batches and on
        close."""
        if not self._pending:
            self._oldest = time.monotonic()
        self._pending[_key(url)] = (canonical_url(url), source)
        if (len(self._pending) >= self.commit_every
                or time.monotonic() - self._oldest >= self.commit_seconds):
            self.commit()

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified last seen for a feed or sitemap URL."""
        with self.engine.connect() as connection:
            row = connection.execute(select(crawl_validators.c.etag,
                                            crawl_validators.c.last_modified)
                                     .where(crawl_validators.c.url == url)).first()
        return (row[0], row[1]) if row else (None, None)

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember the validators of a feed or sitemap response."""
        with self.engine.begin() as connection:
            upsert(connection, crawl_validators,
                   [{"url": url, "etag": etag, "last_modified": last_modified}],
                   update=("etag", "last_modified"))

    def add_retry(self, url: str, source: str, error: str, now: float, first_wait: float) -> int:
        """Put a failed article into the retry set (or count another failed try); returns
        its attempts so far."""
        key = canonical_url(url)
        with self.engine.begin() as connection:
            row = connection.execute(select(crawl_retry.c.attempts)
                                     .where(crawl_retry.c.url == key)).first()
            attempts = (int(row[0]) if row else 0) + 1
            wait = min(first_wait * 2 ** (attempts - 1), RETRY_LONGEST)
            upsert(connection, crawl_retry,
                   [{"url": key, "source": source, "attempts": attempts,
                     "next_at": now + wait, "last_error": error[:300]}],
                   update=("source", "attempts", "next_at", "last_error"))
        return attempts

    def due_retries(self, source: str, now: float, attempts: int) -> list[str]:
        """Failed articles of ``source`` whose wait is over and that have tries left (fewer
        than ``attempts``)."""
        query = (select(crawl_retry.c.url)
                 .where(crawl_retry.c.source == source, crawl_retry.c.next_at <= now,
                        crawl_retry.c.attempts < attempts)
                 .order_by(crawl_retry.c.next_at))
        with self.engine.connect() as connection:
            return [r[0] for r in connection.execute(query)]

    def missing(self, source: str, attempts: int) -> tuple[int, int]:
        """Articles of ``source`` in the retry set: (still tried, given up after
        ``attempts``)."""
        query = select(func.count().filter(crawl_retry.c.attempts < attempts),
                       func.count().filter(crawl_retry.c.attempts >= attempts)
                       ).where(crawl_retry.c.source == source)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def count(self) -> int:
        """Number of seen URLs."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(crawl_seen))
                       .scalar_one())

    def commit(self) -> None:
        """Write pending marks (one short transaction, so other workers and the dashboard
        are not kept waiting)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        with self.engine.begin() as connection:
            upsert(connection, crawl_seen,
                   [{"key": k, "source": s} for k, (_, s) in pending.items()])
            connection.execute(delete(crawl_retry).where(
                crawl_retry.c.url.in_([u for u, _ in pending.values()])))

    def close(self) -> None:
        """Write pending marks and release the lookup connection."""
        self.commit()
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def take_over(self, old: Path) -> None:
        """Move an earlier release's ``crawl-state.sqlite`` into the team state (once: the
        file is renamed afterwards)."""
        if not old.exists():
            return
        try:
            with sqlite3.connect(str(old)) as db:
                seen = db.execute("SELECT key, source FROM seen").fetchall()
                validators = db.execute("SELECT url, etag, last_modified FROM validators"
                                        ).fetchall()
                retry = db.execute("SELECT url, source, attempts, next_at, last_error "
                                   "FROM retry").fetchall()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"{old}: not a readable crawl state ({exc}); move it aside (the "
                              "next crawl fetches every article again) or restore it from a "
                              "backup") from exc
        with self.engine.begin() as connection:
            upsert(connection, crawl_seen, [{"key": k, "source": s} for k, s in seen])
            upsert(connection, crawl_validators,
                   [{"url": u, "etag": e, "last_modified": m} for u, e, m in validators])
            upsert(connection, crawl_retry,
                   [{"url": u, "source": s, "attempts": a, "next_at": n, "last_error": err}
                    for u, s, a, n, err in retry])
        old.rename(old.with_name(old.name + ".moved-to-team-state"))


def legacy_path(workdir: Path) -> Path:
    """Where earlier releases kept the crawl state."""
    return workdir / "state" / "crawl-state.sqlite"


_OPEN: dict[tuple[Path, str | None], CrawlState] = {}


def open_state(workdir: Path, state_url: str | None = None) -> CrawlState:
    """The crawl state of the project in ``workdir`` (one object per process: every spider
    of a crawl shares its batch of pending marks)."""
    cache_key = (workdir.resolve(), state_url)
    if cache_key not in _OPEN:
        state = CrawlState(engine_for(workdir, state_url))
        state.take_over(legacy_path(workdir))
        _OPEN[cache_key] = state
    return _OPEN[cache_key]
