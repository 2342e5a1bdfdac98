"""hardening (issue 21): one payment per NTPN (ntpn_claims), refused callbacks for finance,
sign-in guards per username and address, staff e-mail, audit entry MACs

Revision ID: i21a
Revises: i17a
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "i21a"
down_revision = "i17a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = loket.store.types.UTCDateTime(timezone=True)
    op.create_table(
        "ntpn_claims",
        sa.Column("ntpn", sa.String(length=32), nullable=False),
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("billing_code", sa.String(length=15), nullable=False),
        sa.Column("claimed_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("ntpn", name=op.f("pk_ntpn_claims")),
    )
    # Every NTPN already paid claims its (first) payment.
    op.execute(
        "INSERT INTO ntpn_claims (ntpn, office_code, billing_code, claimed_at) "
        "SELECT p.ntpn, p.office_code, p.billing_code, p.received_at FROM payments p "
        "WHERE NOT EXISTS (SELECT 1 FROM payments q WHERE q.ntpn = p.ntpn AND "
        "(q.received_at < p.received_at "
        "OR (q.received_at = p.received_at AND q.office_code < p.office_code)))"
    )
    op.create_table(
        "refused_payments",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("ntpn", sa.String(length=32), nullable=False),
        sa.Column("billing_code", sa.String(length=15), nullable=False),
        sa.Column("booking_code", sa.String(length=24), nullable=False),
        sa.Column("bank", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", utc, nullable=False),
        sa.Column("received_at", utc, nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("claimed_by", sa.String(length=15), nullable=False),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_refused_payments_office"),
        sa.PrimaryKeyConstraint("office_code", "ntpn", "billing_code", name=op.f("pk_refused_payments")),
    )


    # The guards are transient (failures of the last day): recreated with their new key.
    op.drop_table("login_guards")
    _login_guards(("username", "address"))
    op.add_column("staff_accounts", sa.Column("email", sa.String(length=254), nullable=True))
    # Entries written before this revision have none; the sealer refuses unsealed ones without it.
    # A plain ALTER TABLE ADD COLUMN on both databases: the append-only triggers stay in place.
    op.add_column("audit_log", sa.Column("mac", sa.String(length=64), nullable=True))


def _login_guards(key: tuple[str, ...]) -> None:
    utc = loket.store.types.UTCDateTime(timezone=True)
    op.create_table(
        "login_guards",
        sa.Column("username", sa.String(length=64), nullable=False),
        *([sa.Column("address", sa.String(length=64), nullable=False)] if "address" in key else []),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", utc, nullable=False),
        sa.Column("locked_until", utc, nullable=True),
        sa.PrimaryKeyConstraint(*key, name=op.f("pk_login_guards")),
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("mac")
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("email")
    op.drop_table("login_guards")
    _login_guards(("username",))
    op.drop_table("refused_payments")
    op.drop_table("ntpn_claims")
