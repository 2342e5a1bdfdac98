"""contact verification (issue 21, NIK squatting): one-time codes, pending bookings and their KK

Revision ID: i21x
Revises: i21a
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "i21x"
down_revision = "i21a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = loket.store.types.UTCDateTime(timezone=True)
    op.create_table(
        "contact_codes",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("tries_left", sa.Integer(), nullable=False),
        sa.Column("expires_at", utc, nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("kk_hash", sa.String(length=64), nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("finished_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_contact_codes_office"),
        sa.PrimaryKeyConstraint("office_code", "id", name=op.f("pk_contact_codes")),
    )
    op.create_table(
        "booking_verifications",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("booking_code", sa.String(length=24), nullable=False),
        sa.Column("code_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("kk_hash", sa.String(length=64), nullable=True),
        sa.Column("finished_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_booking_verifications_office"),
        sa.PrimaryKeyConstraint("office_code", "booking_code", name=op.f("pk_booking_verifications")),
    )
    op.create_index(
        "ix_booking_verifications_code", "booking_verifications", ["office_code", "code_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_booking_verifications_code", table_name="booking_verifications")
    op.drop_table("booking_verifications")
    op.drop_table("contact_codes")
