"""Label corrections: a team's fixes of mention sentiment labels (who, when, old → new).

Team state (DESIGN.md, :mod:`brandradar.teamstate`): SQLite in the work directory, or the
team's PostgreSQL when ``state_url`` is set. Every correction is kept as a row, so the history
of a mention stays readable; the newest correction of a mention is its label. It applies at
once to the metrics (the index stage reads the active mention rows through
:func:`apply_corrections`) and, retrained with ``brandradar label train``
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
from sqlalchemy import select

from brandradar.errors import ConfigError
from brandradar.parquet import partitions
from brandradar.teamstate import engine_for
from brandradar.teamstate.schema import label_corrections

LABELS = ("negative", "neutral", "positive")
# A human label is certain: it gets the end or the middle of the score scale.
LABEL_SCORES = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}
LABEL_VERSION = "label-1"

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
    """Where earlier releases kept a work directory's corrections (taken over into the team
    state the first time it is opened)."""
    return workdir / "state" / "labels.sqlite"


class LabelStore:
    """The corrections of one project, in its team state (:mod:`brandradar.teamstate`)."""

    def __init__(self, workdir: Path, state_url: str | None = None) -> None:
        self.engine = engine_for(workdir, state_url)
        self._take_over(store_path(workdir))

    def _take_over(self, old: Path) -> None:
        """Move the corrections of an earlier release's ``labels.sqlite`` into the team state."""
        if not old.exists():
            return
        try:
            with sqlite3.connect(str(old)) as db:
                rows = db.execute("SELECT mention_id, brand, language, text, old, new, by, at "
                                  "FROM corrections ORDER BY n").fetchall()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"{old}: not a readable label store ({exc}); move it aside and "
                              "correct again, or restore it from a backup") from exc
        for r in rows:
            self.add(Correction(r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                                datetime.fromisoformat(r[7])))
        old.rename(old.with_name(old.name + ".moved-to-team-state"))

    def add(self, c: Correction) -> None:
        """Record a correction."""
        with self.engine.begin() as connection:
            connection.execute(label_corrections.insert().values(**vars(c)))

    def history(self, mention_id: str | None = None) -> list[Correction]:
        """Every correction, oldest first (of one mention when given)."""
        query = select(*[label_corrections.c[f] for f in _FIELDS]).order_by(
            label_corrections.c.n)
        if mention_id:
            query = query.where(label_corrections.c.mention_id == mention_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [Correction(r[0], r[1], r[2], r[3], r[4], r[5], r[6], _aware(r[7]))
                for r in rows]

    def close(self) -> None:
        """Nothing to release: connections go back to the engine's pool after each call."""


_FIELDS = ("mention_id", "brand", "language", "text", "old", "new", "by", "at")


def _aware(when: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time here is UTC."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def find_mention(workdir: Path, mention_id: str) -> dict[str, Any] | None:
    """The active mention row with this id (None when there is none); a filtered read, so
    only the row groups that can hold the id are decoded."""
    for path in partitions(workdir, "mentions"):
        rows = pq.read_table(path, filters=[("mention_id", "=", mention_id)]).to_pylist()
        if rows:
            return dict(rows[0])
    return None


def correct(workdir: Path, mention_id: str, label: str, by: str,
            now: datetime | None = None, state_url: str | None = None) -> Correction:
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
    store = LabelStore(workdir, state_url)
    try:
        previous = store.history(mention_id)
        old = previous[-1].new if previous else row["sentiment"]
        c = Correction(mention_id, row["brand"], row["language"], row["span_text"], old, label,
                       by.strip(), now or datetime.now(UTC))
        store.add(c)
    finally:
        store.close()
    return c


def corrections(workdir: Path, mention_id: str | None = None,
                state_url: str | None = None) -> list[Correction]:
    """Every correction of a project, oldest first (of one mention when given)."""
    return LabelStore(workdir, state_url).history(mention_id)


def current_corrections(workdir: Path, state_url: str | None = None) -> dict[str, Correction]:
    """The newest correction per mention (empty when no label was ever corrected)."""
    return {c.mention_id: c for c in corrections(workdir, state_url=state_url)}


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
