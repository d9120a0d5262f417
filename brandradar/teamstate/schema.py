"""The team state's tables (SQLAlchemy Core); the migrations create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

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

# Crawl state: article URLs archived (a 16-byte hash of the canonical URL), the validators of
# feeds and sitemaps, and the articles that failed and are fetched again by later runs.
crawl_seen = Table(
    "crawl_seen", METADATA,
    Column("key", LargeBinary(16), primary_key=True),
    Column("source", Text, nullable=False),
)

crawl_validators = Table(
    "crawl_validators", METADATA,
    Column("url", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
)

crawl_retry = Table(
    "crawl_retry", METADATA,
    Column("url", Text, primary_key=True),
    Column("source", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_at", Float, nullable=False),
    Column("last_error", Text),
    Index("crawl_retry_source", "source"),
)

# Notification outbox: one row per alert and channel, written by the analysis and emptied by
# the delivery (which claims a row before sending, so two workers never send it twice).
notification_outbox = Table(
    "notification_outbox", METADATA,
    Column("alert_id", String(64), primary_key=True),
    Column("channel", String(80), primary_key=True),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("claimed_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("created", DateTime(timezone=True), nullable=False),
    Index("notification_outbox_status", "status"),
)

# Alert workflow: every change of an alert's state (acknowledged, assigned, resolved, dismissed)
# as one row; an alert's state is its latest row.
alert_events = Table(
    "alert_events", METADATA,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("assignee", Text),
    Column("note", Text),
    Column("by", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("alert_events_alert", "alert_id"),
)
