"""Team state on the machine's real PostgreSQL (a database of its own per test, dropped after)
and on the embedded SQLite: migrations, label corrections, run records, and a run lock that
makes two runs of one project take turns across processes."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from brandradar.crawlers.run import crawl, start_crawl
from brandradar.crawlers.sources import load_source
from brandradar.crawlers.state import open_state
from brandradar.demo.server import DemoServer
from brandradar.errors import ConfigError
from brandradar.labels import Correction, LabelStore, store_path
from brandradar.settings import Settings
from brandradar.teamstate import engine_for, record_run, run_lock

# The demo web on its default ports: one module at a time (conftest.py).
pytestmark = pytest.mark.xdist_group("demo_default_ports")


def _correction(n: int, by: str = "anna") -> Correction:
    return Correction(f"m{n}", "Voltera", "de", f"Text {n}", "positive", "negative", by,
                      datetime(2026, 12, 1, 10, n, tzinfo=UTC))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_corrections_and_run_records_round_trip(backend: str, tmp_path: Path,
                                                request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    store = LabelStore(tmp_path, url)
    assert store.engine.dialect.name == backend
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"alembic_version", "label_corrections", "runs"} <= tables
    for n in range(3):
        store.add(_correction(n))
    store.add(_correction(1, by="ben"))
    history = store.history()
    assert [c.mention_id for c in history] == ["m0", "m1", "m2", "m1"]
    assert history[-1].by == "ben" and history[0].at == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert [c.by for c in store.history("m1")] == ["anna", "ben"]
    with pytest.raises(RuntimeError), record_run(tmp_path, url, "run-failing"):
        raise RuntimeError("crawl died")
    with record_run(tmp_path, url, "run-ok") as outcome:
        outcome["status"] = "incomplete"
    with store.engine.connect() as c:
        rows = dict(c.execute(sa.text("SELECT run_id, status FROM runs")).all())
    assert rows == {"run-failing": "failed", "run-ok": "incomplete"}


def _hold(workdir: str, url: str | None, seconds: float, log: str) -> None:
    with run_lock(Path(workdir), url):
        start = time.time()
        time.sleep(seconds)
        with open(log, "a") as fh:
            fh.write(f"{start} {time.time()}\n")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_runs_of_one_project_take_turns(backend: str, tmp_path: Path,
                                            request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    engine_for(tmp_path, url)  # migrated once, before the two processes start
    log = tmp_path / "held.txt"
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_hold, args=(str(tmp_path), url, 1.0, str(log)))
             for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    (_, a_end), (b_start, _) = sorted(
        tuple(map(float, line.split())) for line in log.read_text().splitlines())
    assert b_start >= a_end  # never both at once


def test_an_earlier_label_file_is_taken_over_once(tmp_path: Path) -> None:
    old = store_path(tmp_path)
    old.parent.mkdir(parents=True)
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE corrections (n INTEGER PRIMARY KEY AUTOINCREMENT, mention_id "
                   "TEXT, brand TEXT, language TEXT, text TEXT, old TEXT, new TEXT, by TEXT, "
                   "at TEXT)")
        db.execute("INSERT INTO corrections (mention_id, brand, language, text, old, new, by, at)"
                   " VALUES ('m9', 'Voltera', 'ru', 't', 'neutral', 'positive', 'olga', "
                   "'2026-11-30T09:00:00+00:00')")
    first = LabelStore(tmp_path).history()
    assert [(c.mention_id, c.by) for c in first] == [("m9", "olga")]
    assert not old.exists() and old.with_name("labels.sqlite.moved-to-team-state").exists()
    assert LabelStore(tmp_path).history() == first  # not taken over twice


def test_an_unreachable_postgresql_is_one_line_without_the_password(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        engine_for(tmp_path, "postgresql://nobody:secret-pw@127.0.0.1:9/x")
    message = str(caught.value)
    assert message.startswith("team state postgresql+psycopg://nobody:***@127.0.0.1:9/x: not "
                              "reachable") and "secret-pw" not in message and "\n" not in message


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_workers_crawl_different_sources_at_once(backend: str, tmp_path: Path,
                                                      request: pytest.FixtureRequest) -> None:
    """Two crawl processes (as two Celery workers would start them) on a new team state: they
    migrate it once between them, and every article each archived is in the shared seen
    state, so a second round fetches none of them again."""
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    settings = Settings(workdir=tmp_path, allow_private_hosts=["127.0.0.1"], autothrottle=False,
                        concurrent_requests_per_domain=8,
                        state_url=SecretStr(url) if url else None)
    names = ["demo_rad_kurier", "demo_pedal_blog"]
    with DemoServer() as server:
        procs = [start_crawl([load_source(n)], settings, f"w{i}")[0]
                 for i, n in enumerate(names)]
        assert [p.wait(300) for p in procs] == [0, 0]
        again = [crawl([load_source(n)], settings, "again")[n] for n in names]
    expected = sum(1 for t in server.web.truth if t.site in ("news", "blog"))
    assert open_state(tmp_path, url).count() == expected
    assert all("pages/archived/article" not in stats for stats in again)
