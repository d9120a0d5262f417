"""`brandradar doctor`: check every file of a work directory that a stage reads back, name what
is broken and what happens to it; ``--repair`` moves broken files into ``quarantine/`` (nothing
is deleted), so the next run rebuilds what can be rebuilt.

Written by hand: each check is the file format's own reader (SQLite's ``quick_check``, a full
Parquet read, ``json.loads``, opening the DuckDB store); what is left is the list of files and
the remedy each one has.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq


@dataclass(frozen=True)
class Finding:
    """A broken file, what is wrong with it, and what quarantining it means."""

    path: Path
    problem: str
    remedy: str


_REBUILT = {
    "documents": "the next run extracts this partition again from the raw archive",
    "enriched": "the next run enriches this partition again",
    "mentions": "the next run enriches this partition again",
}


def sqlite_problem(path: Path) -> str | None:
    """What is wrong with a SQLite file (None when its quick check passes)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = db.execute("PRAGMA quick_check").fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return f"not a readable SQLite database ({exc})"
    return None if row and row[0] == "ok" else f"SQLite quick_check: {row[0] if row else '?'}"


def _parquet(path: Path) -> str | None:
    try:
        pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        return f"unreadable Parquet ({str(exc)[:160]})"
    return None


def _json(path: Path) -> str | None:
    try:
        json.loads(path.read_text("utf-8"))
    except (ValueError, OSError) as exc:
        return f"unreadable JSON ({exc})"
    return None


def _duckdb(path: Path) -> str | None:
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            con.execute("SELECT count(*) FROM documents").fetchone()
        finally:
            con.close()
    except duckdb.Error as exc:
        return f"unreadable DuckDB store ({str(exc)[:160]})"
    return None


def _files(workdir: Path) -> Iterator[tuple[Path, str]]:
    """Every file doctor checks, with its kind."""
    for name in ("crawl-state.sqlite", "labels.sqlite", "team.sqlite"):
        yield workdir / "state" / name, "sqlite"
    for stage in ("documents", "enriched", "mentions"):
        for path in sorted((workdir / stage).glob("source=*/day=*/*.parquet")):
            yield path, stage
    yield workdir / "state" / "lead-vectors.parquet", "cache"
    for path in [workdir / "project.json", workdir / "state" / "stories.json",
                 workdir / "state" / "notified.json", workdir / "enriched" / "version.json",
                 *sorted((workdir / "runs").glob("*/*.json"))]:
        yield path, "json"
    yield workdir / "brandradar.duckdb", "duckdb"


def _remedy(path: Path, kind: str) -> str:
    if kind in _REBUILT:
        return _REBUILT[kind]
    if path.name == "crawl-state.sqlite":
        return ("the next run starts a new crawl state: it fetches known articles once more "
                "(deduplicated by document id) and feeds without validators")
    if path.name == "labels.sqlite":
        return "the team's label corrections are in it: restore it from a backup"
    if path.name == "team.sqlite":
        return ("the team state is in it (label corrections, alert workflow, crawl state, "
                "unsent notifications): restore it from a backup; moved aside, the next run "
                "starts it again and fetches known articles once more")
    if kind == "duckdb":
        return "the next index builds the store again from the enriched partitions"
    if kind == "cache":
        return "the next stories run computes the lead embeddings again"
    if path.name == "stories.json":
        return "the next stories run regroups everything"
    if path.name == "project.json":
        return "the next 'brandradar run' writes it again from the project config"
    return "a record only: nothing depends on it"


def check(workdir: Path) -> list[Finding]:
    """Broken files of a work directory (an empty list: everything reads)."""
    readers = {"sqlite": sqlite_problem, "duckdb": _duckdb, "json": _json, "cache": _parquet,
               **dict.fromkeys(_REBUILT, _parquet)}
    out = []
    for path, kind in _files(workdir):
        if path.is_file():
            problem = readers[kind](path)
            if problem is not None:
                out.append(Finding(path, problem, _remedy(path, kind)))
    return out


def quarantine(workdir: Path, findings: list[Finding]) -> Path:
    """Move the broken files under ``quarantine/<UTC time>/`` keeping their relative paths."""
    folder = workdir / "quarantine" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for f in findings:
        target = folder / f.path.relative_to(workdir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(f.path), target)
        for extra in (f.path.with_name(f.path.name + "-wal"), f.path.with_name(f.path.name + "-shm")):
            if extra.exists():
                shutil.move(str(extra), target.with_name(extra.name))
    return folder
