"""Team state: label corrections and run records.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "label_corrections",
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("mention_id", sa.String(64), nullable=False),
        sa.Column("brand", sa.Text, nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("old", sa.String(16), nullable=False),
        sa.Column("new", sa.String(16), nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("label_corrections_mention", "label_corrections", ["mention_id"])
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("host", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("runs")
    op.drop_index("label_corrections_mention", table_name="label_corrections")
    op.drop_table("label_corrections")
