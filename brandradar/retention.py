"""How long each kind of data is kept, and removing what is older (the index stage applies it
every run; what it removes leaves the store and the Elasticsearch copy in the same run).

Partitions are per source and fetch day, so retention works on whole day folders. The raw
archive must not outlive the documents extracted from it: a documents partition removed while
its raw pages are kept would simply be extracted again (the config refuses that combination).
The crawl state keeps the URLs it has seen, so an expired article is not fetched again.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fsspec import AbstractFileSystem
from fsspec.implementations.local import LocalFileSystem
from pydantic import BaseModel, ConfigDict, Field, model_validator

log = logging.getLogger(__name__)

# The stages after the raw archive, all kept as long as the documents.
DERIVED = ("documents", "enriched", "mentions")


class Retention(BaseModel):
    """Days of data kept per kind (None: kept until removed by hand or by ``forget``)."""

    model_config = ConfigDict(extra="forbid")
    raw_days: int | None = Field(default=None, ge=1)
    documents_days: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _raw_not_longer(self) -> Retention:
        if self.documents_days is not None and (
                self.raw_days is None or self.raw_days > self.documents_days):
            raise ValueError("raw_days must be set and at most documents_days: documents removed "
                             "while their raw pages are kept would be extracted again")
        return self


def _expired(fs: AbstractFileSystem, folder: str, days: int, today: date) -> list[str]:
    """Day partitions (``source=*/day=YYYY-MM-DD``) under ``folder`` older than ``days``."""
    out = []
    for day_dir in fs.glob(f"{folder}/source=*/day=*"):
        try:
            day = date.fromisoformat(day_dir.rsplit("/", 1)[-1].removeprefix("day="))
        except ValueError:
            continue
        if day < today - timedelta(days=days):
            out.append(day_dir)
    return sorted(out)


def apply_retention(workdir: Path, retention: Retention, now: datetime | None = None,
                    shared: tuple[AbstractFileSystem, str] | None = None) -> dict[str, int]:
    """Remove the day partitions older than the retention of their kind; return how many per
    kind (the model versions beside the active rows are kept as long as the documents).

    ``shared`` (file system, root) is the shared work directory of a team deployment: there
    retention removes the shared partitions, and each working copy follows at its next pull.
    """
    fs, root = shared or (LocalFileSystem(), workdir.as_posix())
    today = (now or datetime.now(UTC)).date()
    removed = {"raw": 0, **{kind: 0 for kind in DERIVED}}
    targets: list[tuple[str, str, int]] = []
    if retention.raw_days is not None:
        targets.append(("raw", f"{root}/raw", retention.raw_days))
    if retention.documents_days is not None:
        targets += [(kind, f"{root}/{kind}", retention.documents_days) for kind in DERIVED]
        targets += [(kind, f"{version}/{kind}", retention.documents_days)
                    for version in sorted(fs.glob(f"{root}/versions/*")) for kind in DERIVED[1:]]
    for kind, folder, days in targets:
        for day_dir in _expired(fs, folder, days, today):
            fs.rm(day_dir, recursive=True)
            removed[kind] += 1
    if any(removed.values()):
        log.info("retention removed %s day partitions", removed)
    return removed
