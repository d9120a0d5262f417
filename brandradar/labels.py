"""Label corrections: a team's fixes of mention sentiment labels (who, when, old → new).

Team state (DESIGN.md): an SQLite file in the work directory, ``state/labels.sqlite``. Every
correction is kept as a row, so the history of a mention stays readable; the newest correction
of a mention is its label. It applies at once to the metrics (the index stage reads the active
mention rows through :func:`apply_corrections`) and, retrained with ``brandradar label train``
(:mod:`brandradar.nlp.project_head`), teaches the project's own sentiment head.

A correction stores the text the mention was judged on, because a project head learns from that
text and the active rows may later be reprocessed with other clause boundaries.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from brandradar.errors import ConfigError
from brandradar.parquet import partitions

LABELS = ("negative", "neutral", "positive")
# A human label is certain: it gets the end or the middle of the score scale.
LABEL_SCORES = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}
LABEL_VERSION = "label-1"

_DDL = """
CREATE TABLE IF NOT EXISTS corrections (
  n INTEGER PRIMARY KEY AUTOINCREMENT,
  mention_id TEXT NOT NULL, brand TEXT NOT NULL, language TEXT NOT NULL, text TEXT NOT NULL,
  old TEXT NOT NULL, new TEXT NOT NULL, by TEXT NOT NULL, at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS corrections_mention ON corrections (mention_id);
"""


@dataclass(frozen=True)
class Correction:
    """One correction of one mention's label."""

    mention_id: str
    brand: str
    language: str
    text: str
    old: str
    new: str
    by: str
    at: datetime

    def as_json(self) -> dict[str, Any]:
        """The correction as a JSON object (the time as ISO 8601)."""
        return {**vars(self), "at": self.at.isoformat()}


def store_path(workdir: Path) -> Path:
    """Where a work directory keeps its label corrections."""
    return workdir / "state" / "labels.sqlite"


class LabelStore:
    """The corrections of one work directory."""

    def __init__(self, workdir: Path) -> None:
        path = store_path(workdir)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(path), timeout=30)
            self.db.executescript(_DDL)
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"{path}: not a readable label store ({exc}); move it aside and "
                              "correct again, or restore it from a backup") from exc
        path.chmod(0o600)

    def add(self, c: Correction) -> None:
        """Record a correction."""
        with self.db:
            self.db.execute(
                "INSERT INTO corrections (mention_id, brand, language, text, old, new, by, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (c.mention_id, c.brand, c.language, c.text, c.old, c.new, c.by, c.at.isoformat()))

    def history(self, mention_id: str | None = None) -> list[Correction]:
        """Every correction, oldest first (of one mention when given)."""
        sql = "SELECT mention_id, brand, language, text, old, new, by, at FROM corrections"
        rows = (self.db.execute(sql + " WHERE mention_id = ? ORDER BY n", (mention_id,))
                if mention_id else self.db.execute(sql + " ORDER BY n"))
        return [Correction(mention_id=r[0], brand=r[1], language=r[2], text=r[3], old=r[4],
                           new=r[5], by=r[6], at=datetime.fromisoformat(r[7])) for r in rows]

    def close(self) -> None:
        """Close the file."""
        self.db.close()


def find_mention(workdir: Path, mention_id: str) -> dict[str, Any] | None:
    """The active mention row with this id (None when there is none); a filtered read, so
    only the row groups that can hold the id are decoded."""
    for path in partitions(workdir, "mentions"):
        rows = pq.read_table(path, filters=[("mention_id", "=", mention_id)]).to_pylist()
        if rows:
            return dict(rows[0])
    return None


def correct(workdir: Path, mention_id: str, label: str, by: str,
            now: datetime | None = None) -> Correction:
    """Store a correction of an active mention's label; returns it.

    Raises :class:`ConfigError` for an unknown label, an unknown mention, or a mention that is
    not judged (a platform named as a channel, page furniture, an unscored language).
    """
    if label not in LABELS:
        raise ConfigError(f"label {label!r}: not one of {', '.join(LABELS)}")
    if not by.strip():
        raise ConfigError("label: say who corrects (--by NAME)")
    row = find_mention(workdir, mention_id)
    if row is None:
        raise ConfigError(f"mention {mention_id}: not found in {workdir}/mentions")
    if row["sentiment"] == "unscored":
        raise ConfigError(f"mention {mention_id}: not judged ({row.get('kind', 'brand')} in "
                          f"{row['language']}), so there is no label to correct")
    store = LabelStore(workdir)
    try:
        previous = store.history(mention_id)
        old = previous[-1].new if previous else row["sentiment"]
        c = Correction(mention_id, row["brand"], row["language"], row["span_text"], old, label,
                       by.strip(), now or datetime.now(UTC))
        store.add(c)
    finally:
        store.close()
    return c


def corrections(workdir: Path, mention_id: str | None = None) -> list[Correction]:
    """Every correction of a work directory, oldest first (of one mention when given); empty
    when no label was ever corrected."""
    if not store_path(workdir).exists():
        return []
    store = LabelStore(workdir)
    try:
        return store.history(mention_id)
    finally:
        store.close()


def current_corrections(workdir: Path) -> dict[str, Correction]:
    """The newest correction per mention (empty when no label was ever corrected)."""
    return {c.mention_id: c for c in corrections(workdir)}


def apply_corrections(mentions: Iterable[dict[str, Any]],
                      corrections: dict[str, Correction]) -> int:
    """Give corrected mentions their human label (in place); returns how many changed."""
    changed = 0
    for m in mentions:
        c = corrections.get(m["mention_id"])
        if c is None:
            continue
        m["sentiment"], m["score"] = c.new, LABEL_SCORES[c.new]
        if LABEL_VERSION not in m["versions"]:
            m["versions"] += f";{LABEL_VERSION}"
        changed += 1
    return changed
