"""applicant: tables of loket.store.tables (waiting lists, notification outbox)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "waitlist_entries",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("entry_code", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("product", sa.String(length=32), nullable=False),
        sa.Column("validity_years", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=24), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("joined_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.String(length=32), nullable=False),
        sa.Column("offered_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("offers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("seat", sa.Integer(), nullable=True),
        sa.Column("booking_code", sa.String(length=24), nullable=True),
        sa.Column("updated_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_waitlist_entries_office"),
        sa.PrimaryKeyConstraint("office_code", "entry_code", name=op.f("pk_waitlist_entries")),
        sa.UniqueConstraint(
            "office_code", "day", "starts", "category", "nik", name="uq_waitlist_entries_office_code"
        ),
    )
    op.create_index(
        "ix_waitlist_queue",
        "waitlist_entries",
        ["office_code", "day", "starts", "category", "status", "joined_at", "seq"],
    )
    op.create_index("ix_waitlist_offers", "waitlist_entries", ["status", "offered_at"])
    op.create_table(
        "notify_outbox",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("office_code", "id", name=op.f("pk_notify_outbox")),
        sa.UniqueConstraint("office_code", "idempotency_key", name="uq_notify_outbox_office_code"),
    )
    op.create_index("ix_outbox_due", "notify_outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_subject", "notify_outbox", ["office_code", "subject"])


def downgrade() -> None:
    op.drop_index("ix_outbox_subject", table_name="notify_outbox")
    op.drop_index("ix_outbox_due", table_name="notify_outbox")
    op.drop_table("notify_outbox")
    op.drop_index("ix_waitlist_offers", table_name="waitlist_entries")
    op.drop_index("ix_waitlist_queue", table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
