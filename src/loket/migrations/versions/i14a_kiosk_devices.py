"""kiosk devices: registered self-service kiosks, their device token and printer (issue 14)

Revision ID: i14a
Revises: i15a
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "i14a"
down_revision = "i15a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = loket.store.types.UTCDateTime(timezone=True)
    op.create_table(
        "kiosk_devices",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("device_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("printer_host", sa.String(length=255), nullable=True),
        sa.Column("printer_port", sa.Integer(), nullable=True),
        sa.Column("fault", sa.String(length=200), nullable=True),
        sa.Column("fault_since", utc, nullable=True),
        sa.Column("registered_at", utc, nullable=False),
        sa.Column("registered_by", sa.String(length=40), nullable=False),
        sa.Column("revoked_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_kiosk_devices_office"),
        sa.PrimaryKeyConstraint("office_code", "device_id", name=op.f("pk_kiosk_devices")),
        sa.UniqueConstraint("office_code", "token_hash", name="uq_kiosk_devices_token"),
    )


def downgrade() -> None:
    op.drop_table("kiosk_devices")
