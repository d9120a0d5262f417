"""Reading and writing the partitioned Parquet files that stages hand to each other."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from brandradar.errors import DataFileError


def write_rows(path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    """Write rows atomically (temp file + rename), so a killed stage leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=schema)
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def read_rows(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """All rows of the given Parquet files, as dicts; a corrupt file raises ``DataFileError``
    naming it."""
    out: list[dict[str, Any]] = []
    for p in sorted(paths):
        try:
            table = pq.read_table(p)
        except (pa.ArrowException, OSError) as exc:
            raise DataFileError(p, f"unreadable Parquet ({str(exc)[:160]})") from exc
        out.extend(table.to_pylist())
    return out


def is_current(output: Path, inputs: list[Path]) -> bool:
    """Whether ``output`` exists and is newer than every input: its partition needs no rework."""
    if not output.exists() or not inputs:
        return False
    built = output.stat().st_mtime_ns
    return all(p.stat().st_mtime_ns <= built for p in inputs)


def row_count(path: Path) -> int:
    """Rows of a Parquet file, from its footer (no data read)."""
    return int(pq.ParquetFile(path).metadata.num_rows)


def partitions(root: Path, stage: str, source: str | None = None) -> list[Path]:
    """Parquet files of one stage (``documents``, ``enriched``, ``mentions``), optionally one source."""
    pattern = f"source={source}/day=*/*.parquet" if source else "source=*/day=*/*.parquet"
    return sorted((root / stage).glob(pattern))
