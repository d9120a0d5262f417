"""Team state: crawl state, notification outbox, alert workflow.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "crawl_seen",
        sa.Column("key", sa.LargeBinary(16), primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "crawl_validators",
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
    )
    op.create_table(
        "crawl_retry",
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_at", sa.Float, nullable=False),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("crawl_retry_source", "crawl_retry", ["source"])
    op.create_table(
        "notification_outbox",
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(80), primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("notification_outbox_status", "notification_outbox", ["status"])
    op.create_table(
        "alert_events",
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("alert_events_alert", "alert_events", ["alert_id"])


def downgrade() -> None:
    op.drop_index("alert_events_alert", table_name="alert_events")
    op.drop_table("alert_events")
    op.drop_index("notification_outbox_status", table_name="notification_outbox")
    op.drop_table("notification_outbox")
    op.drop_index("crawl_retry_source", table_name="crawl_retry")
    op.drop_table("crawl_retry")
    op.drop_table("crawl_validators")
    op.drop_table("crawl_seen")
