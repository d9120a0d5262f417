"""The shared work directory of a team deployment: files every worker sees, on S3 or any
file system fsspec opens (``shared_workdir: s3://bucket/brandradar``).

Each machine keeps a working copy of it in ``workdir``; a stage pulls the folders it reads
before it starts and pushes the folders it wrote when it ends (also when it fails: what a crawl
archived is marked seen in the team state, so it must reach the shared copy). Stages keep
working on local files because what they use needs them: DuckDB and pyarrow read with random
access, the index is published by an atomic rename, and the WARC writer appends — object
stores offer none of that. fsspec and s3fs do the transfers; what is written by hand here is
only the bookkeeping of which files changed on either side, which no library does for a
partial, per-folder mirror.

Bookkeeping: ``state/shared-copy.json`` records, per file, the shared copy's version (ETag or
size and time) and the local file's size and modification time as they were when the two were
last equal. A pull fetches files whose shared version changed (the shared side wins) and
removes local files that were removed from the shared copy (retention, ``forget``), keeping
local changes of files the shared side did not change; a push sends files whose local stamp
changed and removes from the shared copy what was removed locally. Files another worker added
are never touched by a push: two workers crawling different sources at once do not interfere.
A local copy takes the shared copy's modification time, so the partition signatures of the
index manifest agree on every machine.

Concurrency: the team state (crawl state, locks, outbox) must be in PostgreSQL — an SQLite file
cannot be shared this way — and the pipeline's ordering (one index and analyse at a time)
serialises the writers of the store file. Transfers of one machine are serialised by a file
lock, as several tasks of one Celery worker share its working copy.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brandradar.errors import ConfigError, TransientError
from brandradar.extras import require
from brandradar.settings import Settings

log = logging.getLogger(__name__)

RECORD = Path("state") / "shared-copy.json"
# Files that belong to one machine: locks, the store's unpublished copy, SQLite team state,
# this bookkeeping.
_LOCAL_ONLY = (".lock", ".next", ".wal", ".compact", ".sqlite", ".sqlite-wal", ".sqlite-shm",
               ".tmp", "shared-copy.json")


@dataclass(frozen=True)
class Transfer:
    """What one pull or push moved."""

    copied: int = 0
    removed: int = 0


def _local_stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _remote_version(info: dict[str, Any]) -> str:
    tag = info.get("ETag") or info.get("etag") or ""
    when = info.get("LastModified") or info.get("mtime") or info.get("created") or ""
    return f"{info.get('size')}|{tag}|{when}"


def _remote_mtime(info: dict[str, Any]) -> float | None:
    when = info.get("LastModified") or info.get("mtime")
    if when is None:
        return None
    return float(when.timestamp()) if hasattr(when, "timestamp") else float(when)


class SharedCopy:
    """The working copy ``local`` of the shared work directory at ``url``."""

    def __init__(self, url: str, local: Path) -> None:
        import fsspec

        if url.startswith(("s3://", "s3a://")):
            require("s3")
        try:
            # Not a cached instance: one made before the environment changed (credentials,
            # endpoint) would be used again.
            self.fs, self.root = fsspec.core.url_to_fs(url, skip_instance_cache=True)
        except (ImportError, ValueError) as exc:
            raise ConfigError(f"shared_workdir {url!r}: {exc}") from None
        self.url = url
        self.root = self.root.rstrip("/")
        self.errors = _io_errors()
        self.local = local

    def _remote(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    @contextmanager
    def _record(self) -> Iterator[dict[str, dict[str, Any]]]:
        path = self.local / RECORD
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_name(path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                record: dict[str, dict[str, Any]] = json.loads(path.read_text())
            except FileNotFoundError:
                record = {}
            except (ValueError, UnicodeDecodeError):
                # Only bookkeeping: without it every file counts as changed once.
                log.warning("%s: unreadable, every file is compared again", path)
                record = {}
            yield record
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(json.dumps(record, sort_keys=True))
            os.replace(tmp, path)

    def _list_remote(self, prefix: str) -> dict[str, dict[str, Any]]:
        base = self._remote(prefix)
        self.fs.invalidate_cache()
        try:
            found = self.fs.find(base, detail=True)
        except FileNotFoundError:
            return {}
        except self.errors as exc:
            raise TransientError(f"shared work directory {self.url}: {exc}") from exc
        out = {}
        for path, info in found.items():
            if info.get("type", "file") != "file":
                continue
            rel = path.removeprefix(self.root + "/")
            if not rel.endswith(_LOCAL_ONLY) and _under(rel, prefix):
                out[rel] = info
        return out

    def _list_local(self, prefix: str) -> list[str]:
        base = self.local / prefix
        if base.is_file():
            paths = [base]
        else:
            paths = [p for p in base.rglob("*") if p.is_file()] if base.is_dir() else []
        return sorted(rel for p in paths
                      if not (rel := p.relative_to(self.local).as_posix()).endswith(_LOCAL_ONLY))

    def pull(self, prefixes: Sequence[str]) -> Transfer:
        """Bring the local copy of ``prefixes`` (folders or files) up to the shared copy."""
        copied = removed = 0
        with self._record() as record:
            for prefix in prefixes:
                remote = self._list_remote(prefix)
                for rel, info in sorted(remote.items()):
                    path = self.local / rel
                    version = _remote_version(info)
                    seen = record.get(rel)
                    # Unchanged on the shared side: a local change is this machine's work
                    # not pushed yet (a rewrite, a crash before the push) and is kept.
                    if seen and seen["remote"] == version and path.exists():
                        continue
                    self._download(rel, path, info)
                    record[rel] = {"remote": version, "local": _local_stamp(path)}
                    copied += 1
                for rel in [r for r in record if _under(r, prefix) and r not in remote]:
                    path = self.local / rel
                    if path.exists() and record[rel]["local"] == _local_stamp(path):
                        path.unlink()
                        removed += 1
                    del record[rel]
        return Transfer(copied, removed)

    def push(self, prefixes: Sequence[str]) -> Transfer:
        """Send the local changes under ``prefixes`` to the shared copy."""
        copied = removed = 0
        with self._record() as record:
            for prefix in prefixes:
                present = self._list_local(prefix)
                for rel in present:
                    path = self.local / rel
                    seen = record.get(rel)
                    if seen and seen["local"] == _local_stamp(path):
                        continue
                    info = self._upload(path, rel)
                    record[rel] = {"remote": _remote_version(info), "local": _local_stamp(path)}
                    copied += 1
                kept = set(present)
                gone = [r for r in record if _under(r, prefix) and r not in kept]
                for rel in gone:
                    try:
                        self.fs.rm_file(self._remote(rel))
                    except FileNotFoundError:
                        pass
                    except self.errors as exc:
                        raise TransientError(f"shared work directory {self.url}: removing "
                                             f"{rel}: {exc}") from exc
                    del record[rel]
                    removed += 1
        return Transfer(copied, removed)

    def _download(self, rel: str, path: Path, info: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        try:
            self.fs.get_file(self._remote(rel), str(tmp))
        except self.errors as exc:
            tmp.unlink(missing_ok=True)
            raise TransientError(f"shared work directory {self.url}: reading {rel}: {exc}") from exc
        when = _remote_mtime(info)
        if when is not None:
            os.utime(tmp, (when, when))
        os.replace(tmp, path)

    def _upload(self, path: Path, rel: str) -> dict[str, Any]:
        remote = self._remote(rel)
        try:
            self.fs.makedirs(self.fs._parent(remote), exist_ok=True)
            self.fs.put_file(str(path), remote)
            info: dict[str, Any] = self.fs.info(remote)
        except self.errors as exc:
            raise TransientError(f"shared work directory {self.url}: writing {rel}: {exc}") from exc
        when = _remote_mtime(info)
        if when is not None:
            os.utime(path, (when, when))
        return info


def _io_errors() -> tuple[type[Exception], ...]:
    """What a failed transfer raises: OSError, and botocore's own errors for S3 (a refused
    connection, expired credentials) which s3fs passes through."""
    try:
        from botocore.exceptions import BotoCoreError
    except ImportError:
        return (OSError,)
    return (OSError, BotoCoreError)


def _under(rel: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/")
    return rel == prefix or rel.startswith(prefix + "/")


def shared_copy(settings: Settings) -> SharedCopy | None:
    """The shared work directory of these settings (None on a single machine)."""
    if not settings.shared_workdir:
        return None
    if settings.state_url is None:
        raise ConfigError("shared_workdir needs the team state in PostgreSQL: set "
                          "BRANDRADAR_STATE_URL (an SQLite file cannot be shared between workers)")
    return SharedCopy(settings.shared_workdir, settings.workdir)


@contextmanager
def sharing(settings: Settings, reads: Sequence[str], writes: Sequence[str]) -> Iterator[None]:
    """Pull ``reads`` before the block and push ``writes`` after it (also when it fails);
    nothing happens without a shared work directory."""
    copy = shared_copy(settings)
    if copy is None:
        yield
        return
    got = copy.pull(reads)
    log.info("shared work directory: pulled %d files, removed %d", got.copied, got.removed)
    try:
        yield
    finally:
        sent = copy.push(writes)
        log.info("shared work directory: pushed %d files, removed %d", sent.copied, sent.removed)

