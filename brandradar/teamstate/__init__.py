"""Team state: what people and runs decide together, apart from the data.

Label corrections, run records with the run lock, the crawl state (seen URLs, validators, the
retry set), the notification outbox and the alert workflow live here: SQLite in the work
directory (``state/team.sqlite``) on a laptop, PostgreSQL when ``state_url`` points to one (a
team deployment, several workers). One schema (SQLAlchemy Core, :mod:`.schema`), versioned with
Alembic migrations (``migrations/``) that every connection brings up to date; two runs on one
project serialise through the run lock (a PostgreSQL advisory lock, or a file lock for SQLite).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from brandradar.errors import ConfigError, DataFileError
from brandradar.teamstate.schema import runs

log = logging.getLogger(__name__)

MIGRATIONS = "brandradar.teamstate:migrations"
# The advisory lock key that serialises migrations on PostgreSQL.
_MIGRATION_LOCK = 0x6272_6164_6172_6D67


def state_url_for(workdir: Path, state_url: str | None) -> str:
    """The team state's database URL: ``state_url`` when set, else SQLite in the work
    directory."""
    if state_url:
        url = make_url(state_url)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    path = workdir / "state" / "team.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA journal_mode=WAL")


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """A transaction in which only this process migrates: workers that start at once on a new
    database would otherwise both create the tables."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            yield connection
        return
    with open(f"{engine.url.database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with engine.begin() as connection:
            yield connection


@cache
def _engine(url: str) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        # Crawl workers, the dashboard and a run write to one file: wait for each other's
        # short transactions instead of failing, and let readers read while one writes.
        engine = create_engine(url, connect_args={"timeout": 60})
        event.listen(engine, "connect", _sqlite_wal)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    try:
        with _migration_lock(engine) as connection:
            config = Config()
            config.set_main_option("script_location", MIGRATIONS)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        problem = f"not reachable or not migratable ({str(exc).splitlines()[0][:200]})"
        if engine.dialect.name == "sqlite":
            # A file of the work directory: named, with what to do (brandradar doctor).
            raise DataFileError(make_url(url).database, problem) from exc
        where = make_url(url).render_as_string(hide_password=True)
        raise ConfigError(f"team state {where}: {problem}") from exc
    if engine.dialect.name == "sqlite":
        Path(make_url(url).database or "").chmod(0o600)
    return engine


def engine_for(workdir: Path, state_url: str | None = None) -> Engine:
    """A connected, migrated engine for the team state of ``workdir``: ``state_url``, else
    ``BRANDRADAR_STATE_URL``, else SQLite in the work directory."""
    from brandradar.settings import Settings

    return _engine(state_url_for(workdir, state_url or Settings().state_url_value()))


@contextmanager
def record_run(workdir: Path, state_url: str | None, run_id: str) -> Iterator[dict[str, str]]:
    """A run's record in the team state: "running" while the block runs, then the status the
    block sets (``outcome["status"]``), or "failed" when it raises."""
    engine = engine_for(workdir, state_url)
    with engine.begin() as connection:
        connection.execute(runs.insert().values(run_id=run_id, started=datetime.now(UTC),
                                                status="running", host=socket.gethostname()))
    outcome = {"status": "ok"}
    try:
        yield outcome
    except BaseException:
        outcome["status"] = "failed"
        raise
    finally:
        with engine.begin() as connection:
            connection.execute(runs.update().where(runs.c.run_id == run_id).values(
                finished=datetime.now(UTC), status=outcome["status"]))


@contextmanager
def run_lock(workdir: Path, state_url: str | None = None) -> Iterator[None]:
    """Hold the project's run lock for a whole run: a second run waits (and says so).

    With PostgreSQL the lock is an advisory lock named after the work directory, so workers on
    other machines (the same shared path) wait too; with SQLite it is a file lock in the work
    directory.
    """
    if state_url:
        engine = engine_for(workdir, state_url)
        key = int.from_bytes(hashlib.sha256(
            f"brandradar run {workdir.resolve()}".encode()).digest()[:8], "big",
            signed=True)
        with engine.connect() as connection:
            got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            if not got:
                log.warning("%s: another run of this project holds the run lock; waiting for it",
                            workdir)
                connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                yield
            finally:
                try:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    connection.commit()
                except SQLAlchemyError:
                    # The server dropped the session (a restart): the lock went with it, and the
                    # run's outcome stands — it must not turn into a failure here.
                    log.warning("%s: the run lock's PostgreSQL session was lost during the run "
                                "(restarted?); another run could have started meanwhile",
                                workdir)
        return
    path = workdir / "state" / "run.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("%s: another run is working on this directory; waiting for it", workdir)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upsert(connection: Connection, table: Table, rows: list[dict[str, Any]],
           update: tuple[str, ...] = ()) -> None:
    """Insert ``rows``; on a primary-key conflict keep the old row, or overwrite the columns
    in ``update`` (the same statement on SQLite and PostgreSQL)."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    keys = [c.name for c in table.primary_key.columns]
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=keys,
                                          set_={c: stmt.excluded[c] for c in update})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    connection.execute(stmt, rows)
