"""The shared work directory on S3 (a moto server on loopback): working copies pull what other
workers pushed, push only their own changes, and removals (retention) travel both ways."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from brandradar.errors import ConfigError, TransientError
from brandradar.retention import Retention, apply_retention
from brandradar.settings import Settings
from brandradar.storage import SharedCopy, Transfer, shared_copy
from tests.s3 import s3_server

URL = "s3://brandradar-team/acme"
WARC = "raw/source=heise/day=2026-11-30/crawl-1.warc.gz"
RUN = "runs/r1/crawl-heise.json"


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    with s3_server() as env:
        yield env


@pytest.fixture
def url(request: pytest.FixtureRequest) -> str:
    """A prefix of its own per test in the shared bucket."""
    return f"{URL}/{request.node.name}"


@pytest.fixture(autouse=True)
def _aws_env(s3: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in s3.items():
        monkeypatch.setenv(k, v)


def _write(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_a_second_working_copy_pulls_what_the_first_pushed(url: str, tmp_path: Path) -> None:
    a, b = SharedCopy(url, tmp_path / "a"), SharedCopy(url, tmp_path / "b")
    _write(a.local, WARC, b"warc one")
    _write(a.local, RUN, b'{"archived": 3}')
    assert a.push(["raw/source=heise", "runs/r1"]) == Transfer(copied=2)
    assert a.push(["raw/source=heise", "runs/r1"]) == Transfer()  # nothing changed since

    assert b.pull(["raw", "runs"]) == Transfer(copied=2)
    assert (b.local / WARC).read_bytes() == b"warc one"
    # Both copies carry the shared copy's time: the index manifest's signatures agree.
    assert (b.local / WARC).stat().st_mtime == (a.local / WARC).stat().st_mtime
    assert b.pull(["raw", "runs"]) == Transfer()

    # b's own change, not pushed yet, survives a pull while the shared copy is unchanged.
    _write(b.local, RUN, b'{"archived": 4}')
    assert b.pull(["runs"]) == Transfer()
    assert (b.local / RUN).read_bytes() == b'{"archived": 4}'

    _write(a.local, WARC, b"warc one, appended")
    assert a.push(["raw/source=heise"]) == Transfer(copied=1)
    assert b.pull(["raw"]) == Transfer(copied=1)
    assert (b.local / WARC).read_bytes() == b"warc one, appended"


def test_a_push_never_removes_what_another_worker_added(url: str, tmp_path: Path) -> None:
    a, b = SharedCopy(url, tmp_path / "a"), SharedCopy(url, tmp_path / "b")
    _write(a.local, "runs/r1/crawl-heise.json", b"a")
    _write(b.local, "runs/r1/crawl-golem.json", b"b")
    a.push(["runs/r1"])
    b.push(["runs/r1"])
    _write(a.local, "runs/r1/crawl-heise.json", b"a again")
    a.push(["runs/r1"])
    fs, root = fsspec.core.url_to_fs(url)
    fs.invalidate_cache()
    assert sorted(p.rsplit("/", 1)[1] for p in fs.find(f"{root}/runs")) == [
        "crawl-golem.json", "crawl-heise.json"]


def test_removals_travel_and_unpushed_local_work_is_kept(url: str, tmp_path: Path) -> None:
    a, b = SharedCopy(url, tmp_path / "a"), SharedCopy(url, tmp_path / "b")
    _write(a.local, WARC, b"w")
    _write(a.local, "raw/source=heise/day=2026-11-30/crawl-2.warc.gz", b"w2")
    a.push(["raw"])
    b.pull(["raw"])
    (a.local / WARC).unlink()
    assert a.push(["raw"]) == Transfer(removed=1)
    # b changed its copy of the other file and has not pushed yet: that is kept.
    _write(b.local, "raw/source=heise/day=2026-11-30/crawl-2.warc.gz", b"b's own")
    assert b.pull(["raw"]) == Transfer(removed=1)
    assert not (b.local / WARC).exists()
    assert (b.local / "raw/source=heise/day=2026-11-30/crawl-2.warc.gz").read_bytes() == b"b's own"


def test_retention_removes_shared_partitions_and_the_copies_follow(url: str,
                                                                   tmp_path: Path) -> None:
    from datetime import UTC, datetime

    a = SharedCopy(url, tmp_path / "a")
    old = "raw/source=heise/day=2026-01-01/crawl-1.warc.gz"
    _write(a.local, old, b"old")
    _write(a.local, WARC, b"new")
    a.push(["raw"])
    removed = apply_retention(a.local, Retention(raw_days=30), datetime(2026, 12, 1, tzinfo=UTC),
                              shared=(a.fs, a.root))
    assert removed["raw"] == 1
    assert a.pull(["raw"]) == Transfer(removed=1)
    assert not (a.local / old).exists() and (a.local / WARC).exists()


def test_machine_local_files_stay_local(url: str, tmp_path: Path) -> None:
    a = SharedCopy(url, tmp_path / "a")
    _write(a.local, "brandradar.duckdb", b"store")
    _write(a.local, "brandradar.duckdb.lock", b"")
    _write(a.local, "brandradar.duckdb.next", b"half-written")
    assert a.push(["brandradar.duckdb", "brandradar.duckdb.next"]) == Transfer(copied=1)


def test_a_shared_work_directory_needs_the_team_state_in_postgres(tmp_path: Path) -> None:
    settings = Settings(workdir=tmp_path, shared_workdir=URL)
    with pytest.raises(ConfigError, match="BRANDRADAR_STATE_URL"):
        shared_copy(settings)
    assert shared_copy(Settings(workdir=tmp_path)) is None


def test_unreachable_storage_is_one_transient_error(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    copy = SharedCopy(URL, tmp_path)
    _write(tmp_path, WARC, b"w")
    with pytest.raises(TransientError, match="shared work directory s3://brandradar-team/acme"):
        copy.push(["raw"])
    assert os.path.exists(tmp_path / WARC)
