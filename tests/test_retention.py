"""Retention per data kind: expired day partitions leave the work directory (and, through the
index stage's sync, the store); a config that would re-extract removed documents is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from brandradar.retention import Retention, apply_retention

NOW = datetime(2026, 12, 1, 3, tzinfo=UTC)


def _partition(root: Path, kind: str, day: str, name: str = "data.parquet") -> Path:
    folder = root / kind / "source=news" / f"day={day}"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(b"x")
    return folder


def test_expired_partitions_are_removed_per_kind(tmp_path: Path) -> None:
    old_raw = _partition(tmp_path, "raw", "2026-08-01", "crawl-1.warc.gz")
    kept_raw = _partition(tmp_path, "raw", "2026-11-20", "crawl-2.warc.gz")
    old_docs = [_partition(tmp_path, kind, "2025-06-01") for kind in ("documents", "enriched",
                                                                      "mentions")]
    mid_docs = [_partition(tmp_path, kind, "2026-08-01") for kind in ("documents", "enriched",
                                                                      "mentions")]
    version = _partition(tmp_path / "versions" / "v2", "mentions", "2025-06-01")
    removed = apply_retention(tmp_path, Retention(raw_days=90, documents_days=365), NOW)
    assert removed == {"raw": 1, "documents": 1, "enriched": 1, "mentions": 2}
    assert not old_raw.exists() and kept_raw.exists()
    assert not any(p.exists() for p in [*old_docs, version])
    # raw pages gone, documents kept: they are not extracted again from nothing
    assert all(p.exists() for p in mid_docs)


def test_nothing_is_removed_without_a_retention(tmp_path: Path) -> None:
    old = _partition(tmp_path, "raw", "2020-01-01")
    assert apply_retention(tmp_path, Retention(), NOW) == {
        "raw": 0, "documents": 0, "enriched": 0, "mentions": 0}
    assert old.exists()


@pytest.mark.parametrize("fields", [{"documents_days": 30}, {"raw_days": 60, "documents_days": 30}])
def test_documents_may_not_expire_before_their_raw_pages(fields: dict[str, int]) -> None:
    with pytest.raises(ValidationError, match="raw_days must be set and at most documents_days"):
        Retention(**fields)
