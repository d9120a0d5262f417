"""Databases of their own on the machine's PostgreSQL (127.0.0.1, trust auth), for tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1/postgres"


@contextmanager
def database(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database (its SQLAlchemy URL), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    # pre-ping: a test may restart PostgreSQL while the database exists.
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield f"postgresql+psycopg://postgres@127.0.0.1/{name}"
    finally:
        # FORCE ends the pooled connections a test still holds to it.
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
