"""Which enriched partitions the index must take in: the manifest of the system of record.

The enriched Parquet partitions (one per source and day: ``enriched/source=S/day=D/`` and its
``mentions/…`` twin) are the system of record. A partition's signature is the size and
modification time of both files; a stage rewrites a partition only when its rows change (the
stories stage included), so a signature that differs from the one the store recorded means
"changed", and a recorded partition that is gone means "removed". The store keeps the manifest
of what it holds inside itself, so the two are published together and can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from brandradar.parquet import partitions


@dataclass(frozen=True)
class Partition:
    """One source-day of enriched documents and their mentions."""

    folder: str
    enriched: Path
    mentions: Path
    signature: str


def _stamp(path: Path) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}"


def scan(workdir: Path) -> dict[str, Partition]:
    """Every enriched partition of a work directory, by folder (``source=S/day=D``)."""
    out: dict[str, Partition] = {}
    for path in partitions(workdir, "enriched"):
        folder = path.parent.relative_to(workdir / "enriched").as_posix()
        mentions = workdir / "mentions" / folder / "mentions.parquet"
        out[folder] = Partition(folder, path, mentions, f"{_stamp(path)}|{_stamp(mentions)}")
    return out


def read_table(path: Path, schema: pa.Schema, folder: str) -> pa.Table:
    """One partition file in ``schema`` (columns a file written by an older release lacks are
    null) plus its ``folder``; a missing mentions file is an empty table."""
    if not path.exists():
        table = schema.empty_table()
    else:
        table = pq.read_table(path)
        table = pa.table({f.name: (table.column(f.name).cast(f.type) if f.name in table.column_names
                                   else pa.nulls(table.num_rows, f.type)) for f in schema})
    return table.append_column("folder", pa.array([folder] * table.num_rows, pa.string()))
