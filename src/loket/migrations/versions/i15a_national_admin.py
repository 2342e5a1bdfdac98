"""national administration: holiday overrides, national administrators, staff invitations, tariff proof

Revision ID: i15a
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "i15a"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = loket.store.types.UTCDateTime(timezone=True)
    op.create_table(
        "holiday_overrides",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("day_off", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("decided_at", utc, nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_holiday_overrides")),
    )
    op.create_table(
        "national_admins",
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("granted_at", utc, nullable=False),
        sa.Column("granted_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_national_admins")),
    )
    op.create_table(
        "staff_invitations",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("invited_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("expires_at", utc, nullable=False),
        sa.Column("used_at", utc, nullable=True),
        sa.Column("used_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_staff_invitations_office"),
        sa.PrimaryKeyConstraint("office_code", "token_hash", name=op.f("pk_staff_invitations")),
    )
    op.create_index("ix_staff_invitations_token_hash", "staff_invitations", ["token_hash"], unique=False)
    with op.batch_alter_table("fee_tariffs") as batch:
        batch.add_column(sa.Column("proof", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fee_tariffs") as batch:
        batch.drop_column("proof")
    op.drop_index("ix_staff_invitations_token_hash", table_name="staff_invitations")
    op.drop_table("staff_invitations")
    op.drop_table("national_admins")
    op.drop_table("holiday_overrides")
