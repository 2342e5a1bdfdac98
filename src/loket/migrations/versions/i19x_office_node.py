"""office node (issue 19): registered nodes and their links, applied journal events and conflict
cases at the centre; the node's own journal and link state

Revision ID: i19x
Revises: i20x
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "i19x"
down_revision = "i20x"
branch_labels = None
depends_on = None


def _office_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name=f"fk_{table}_office")


def upgrade() -> None:
    utc = loket.store.types.UTCDateTime(timezone=True)
    op.create_table(
        "office_nodes",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("last_seen_at", utc, nullable=True),
        sa.Column("last_upload_at", utc, nullable=True),
        sa.Column("clock_offset_s", sa.Float(), nullable=True),
        sa.Column("events_applied", sa.Integer(), server_default="0", nullable=False),
        _office_fk("office_nodes"),
        sa.PrimaryKeyConstraint("office_code", name=op.f("pk_office_nodes")),
    )
    op.create_table(
        "node_applied_events",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("node_at", utc, nullable=False),
        sa.Column("applied_at", utc, nullable=False),
        sa.Column("clock_offset_s", sa.Float(), nullable=True),
        _office_fk("node_applied_events"),
        sa.PrimaryKeyConstraint("office_code", "event_id", name=op.f("pk_node_applied_events")),
    )
    op.create_table(
        "node_conflicts",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("node_version", sa.JSON(), nullable=False),
        sa.Column("centre_version", sa.JSON(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.String(length=32), nullable=True),
        sa.Column("resolved_by", sa.String(length=40), nullable=True),
        sa.Column("resolved_at", utc, nullable=True),
        _office_fk("node_conflicts"),
        sa.PrimaryKeyConstraint("office_code", "id", name=op.f("pk_node_conflicts")),
    )
    op.create_table(
        "node_journal",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("effect", sa.JSON(), nullable=False),
        sa.Column("at", utc, nullable=False),
        sa.Column("uploaded_at", utc, nullable=True),
        _office_fk("node_journal"),
        sa.PrimaryKeyConstraint("office_code", "event_id", name=op.f("pk_node_journal")),
        sa.UniqueConstraint("office_code", "seq", name="uq_node_journal_office_seq"),
    )
    op.create_table(
        "node_links",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("last_pull_at", utc, nullable=True),
        sa.Column("last_upload_at", utc, nullable=True),
        sa.Column("offline_since", utc, nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("office_code", name=op.f("pk_node_links")),
    )


def downgrade() -> None:
    for table in ("node_links", "node_journal", "node_conflicts", "node_applied_events", "office_nodes"):
        op.drop_table(table)
