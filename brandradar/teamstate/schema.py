"""The team state's tables (SQLAlchemy Core); the migrations create exactly these."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text

METADATA = MetaData()

label_corrections = Table(
    "label_corrections", METADATA,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("mention_id", String(64), nullable=False),
    Column("brand", Text, nullable=False),
    Column("language", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("old", String(16), nullable=False),
    Column("new", String(16), nullable=False),
    Column("by", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("label_corrections_mention", "mention_id"),
)

runs = Table(
    "runs", METADATA,
    Column("run_id", String(64), primary_key=True),
    Column("started", DateTime(timezone=True), nullable=False),
    Column("finished", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),
    Column("host", Text, nullable=False),
)
