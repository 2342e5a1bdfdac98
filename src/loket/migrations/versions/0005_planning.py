"""planning: daily application history per office

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_applications",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('"count" >= 0', name=op.f("ck_daily_applications_count")),
        sa.CheckConstraint(
            "source IN ('import', 'bookings', 'synthetic')", name=op.f("ck_daily_applications_source")
        ),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_daily_applications_office"),
        sa.PrimaryKeyConstraint("office_code", "day", name=op.f("pk_daily_applications")),
    )


def downgrade() -> None:
    op.drop_table("daily_applications")
