"""Crawl state kept on disk: article URLs already archived, feed/sitemap validators, and the
articles that failed and are fetched again in later runs (the retry set).

SQLite (standard library) keyed by a 16-byte hash of the canonical URL, so memory stays flat
however many URLs were seen, and the state survives a killed crawl: a URL is marked seen only
after its WARC record is flushed, so a crash refetches at most the pages in flight (the extract
stage deduplicates by document id, so nothing is duplicated downstream either).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from brandradar.urls import canonical_url

_DDL = """
CREATE TABLE IF NOT EXISTS seen (key BLOB PRIMARY KEY, source TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT);
CREATE TABLE IF NOT EXISTS retry (url TEXT PRIMARY KEY, source TEXT NOT NULL,
                                  attempts INTEGER NOT NULL, next_at REAL NOT NULL,
                                  last_error TEXT);
"""
# A failed article is tried again by later runs, waiting first × 2^(attempts − 1) seconds
# between tries (settings ``article_retry_wait``, at most RETRY_LONGEST); after
# ``article_retry_attempts`` it stays in the set as missing (health names it) but is no longer
# fetched.
RETRY_LONGEST = 24 * 3600


def _key(url: str) -> bytes:
    return hashlib.blake2b(canonical_url(url).encode("utf-8"), digest_size=16).digest()


class CrawlState:
    """Seen article URLs and HTTP validators of one work directory."""

    def __init__(self, path: Path, commit_every: int = 200) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_DDL)
        self.commit_every = commit_every
        self._pending = 0

    def seen(self, url: str) -> bool:
        """Whether this article (by canonical URL) was archived before."""
        return self.db.execute("SELECT 1 FROM seen WHERE key = ?", (_key(url),)).fetchone() is not None

    def mark_seen(self, url: str, source: str) -> None:
        """Record an archived article (it leaves the retry set); committed in batches and on
        close."""
        self.db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (_key(url), source))
        self.db.execute("DELETE FROM retry WHERE url = ?", (canonical_url(url),))
        self._pending += 1
        if self._pending >= self.commit_every:
            self.commit()

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified last seen for a feed or sitemap URL."""
        row = self.db.execute("SELECT etag, last_modified FROM validators WHERE url = ?",
                              (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember the validators of a feed or sitemap response."""
        self.db.execute("INSERT OR REPLACE INTO validators VALUES (?, ?, ?)",
                        (url, etag, last_modified))
        self.commit()

    def add_retry(self, url: str, source: str, error: str, now: float, first_wait: float) -> int:
        """Put a failed article into the retry set (or count another failed try); returns
        its attempts so far."""
        key = canonical_url(url)
        row = self.db.execute("SELECT attempts FROM retry WHERE url = ?", (key,)).fetchone()
        attempts = (int(row[0]) if row else 0) + 1
        wait = min(first_wait * 2 ** (attempts - 1), RETRY_LONGEST)
        self.db.execute("INSERT OR REPLACE INTO retry VALUES (?, ?, ?, ?, ?)",
                        (key, source, attempts, now + wait, error[:300]))
        self.commit()
        return attempts

    def due_retries(self, source: str, now: float, attempts: int) -> list[str]:
        """Failed articles of ``source`` whose wait is over and that have tries left (fewer
        than ``attempts``)."""
        rows = self.db.execute("SELECT url FROM retry WHERE source = ? AND next_at <= ? AND "
                               "attempts < ? ORDER BY next_at", (source, now, attempts))
        return [r[0] for r in rows.fetchall()]

    def missing(self, source: str, attempts: int) -> tuple[int, int]:
        """Articles of ``source`` in the retry set: (still tried, given up after
        ``attempts``)."""
        row = self.db.execute("SELECT count(*) FILTER (WHERE attempts < ?), count(*) FILTER "
                              "(WHERE attempts >= ?) FROM retry WHERE source = ?",
                              (attempts, attempts, source)).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def count(self) -> int:
        """Number of seen URLs."""
        row = self.db.execute("SELECT count(*) FROM seen").fetchone()
        return int(row[0]) if row else 0

    def commit(self) -> None:
        """Write pending marks to disk."""
        self.db.commit()
        self._pending = 0

    def close(self) -> None:
        """Commit and close."""
        self.commit()
        self.db.close()


_OPEN: dict[Path, CrawlState] = {}


def open_state(path: Path) -> CrawlState:
    """The one connection of this process to a state file.

    All spiders of a crawl process share it: Scrapy runs every spider on one thread, and two
    SQLite connections with interleaved write transactions on one thread would wait on each other.
    """
    key = path.resolve()
    if key not in _OPEN:
        _OPEN[key] = CrawlState(path)
    return _OPEN[key]
