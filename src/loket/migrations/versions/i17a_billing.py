"""billing: codes awaited from the billing provider, refunds as a workflow

Revision ID: i17a
Revises: i14a
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "i17a"
down_revision = "i14a"
branch_labels = None
depends_on = None


def _office_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name=f"fk_{table}_office")


def upgrade() -> None:
    utc = loket.store.types.UTCDateTime(timezone=True)
    op.create_table(
        "billing_requests",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("booking_code", sa.String(length=24), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", utc, nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("issued_at", utc, nullable=True),
        _office_fk("billing_requests"),
        sa.PrimaryKeyConstraint("office_code", "booking_code", name=op.f("pk_billing_requests")),
    )
    op.create_index("ix_billing_requests_due", "billing_requests", ["state", "next_attempt_at"])
    op.create_table(
        "refunds",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("refund_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=48), nullable=False),
        sa.Column("booking_code", sa.String(length=24), nullable=False),
        sa.Column("ntpn", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("opened_at", utc, nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", utc, nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("paid_at", utc, nullable=True),
        sa.Column("paid_by", sa.String(length=100), nullable=True),
        sa.Column("bank_reference", sa.String(length=64), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refunds_amount")),
        sa.UniqueConstraint("office_code", "source", name="uq_refunds_source"),
        _office_fk("refunds"),
        sa.PrimaryKeyConstraint("office_code", "refund_id", name=op.f("pk_refunds")),
    )
    op.create_index("ix_refunds_status", "refunds", ["office_code", "status", "opened_at"])
    op.create_table(
        "bank_statement_exceptions",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("statement_id", sa.String(length=64), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("ntpn", sa.String(length=32), nullable=False),
        sa.Column("billing_code", sa.String(length=15), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", utc, nullable=False),
        sa.Column("bank", sa.String(length=16), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_bank_statement_exceptions_amount")),
        _office_fk("bank_statement_exceptions"),
        sa.PrimaryKeyConstraint(
            "office_code", "statement_id", "line", name=op.f("pk_bank_statement_exceptions")
        ),
    )
    op.create_index(
        "ix_statement_exceptions_paid", "bank_statement_exceptions", ["office_code", "paid_at"]
    )
    # A booking made while the provider is down has no code until the worker fetches it.
    with op.batch_alter_table("bookings") as batch:
        batch.alter_column("billing_code", existing_type=sa.String(length=15), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.alter_column("billing_code", existing_type=sa.String(length=15), nullable=False)
    op.drop_index("ix_statement_exceptions_paid", table_name="bank_statement_exceptions")
    op.drop_table("bank_statement_exceptions")
    op.drop_index("ix_refunds_status", table_name="refunds")
    op.drop_table("refunds")
    op.drop_index("ix_billing_requests_due", table_name="billing_requests")
    op.drop_table("billing_requests")
