"""documents before the visit (issue 20): booking_documents (the metadata of uploaded checklist
items; the files lie in LOKET_DOCUMENTS_DIR) and office_document_items (what an office adds to the
checklist)

Revision ID: i20x
Revises: i21x
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "i20x"
down_revision = "i21x"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = loket.store.types.UTCDateTime(timezone=True)
    op.create_table(
        "booking_documents",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("booking_code", sa.String(length=24), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("uploads", sa.Integer(), server_default="1", nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("uploaded_at", utc, nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", utc, nullable=True),
        sa.CheckConstraint(
            "state IN ('uploaded', 'verified', 'rejected')", name=op.f("ck_booking_documents_state")
        ),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_booking_documents_office"),
        sa.PrimaryKeyConstraint("office_code", "booking_code", "item", name=op.f("pk_booking_documents")),
    )
    op.create_table(
        "office_document_items",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_office_document_items_office"),
        sa.PrimaryKeyConstraint("office_code", "item", name=op.f("pk_office_document_items")),
    )


def downgrade() -> None:
    op.drop_table("office_document_items")
    op.drop_table("booking_documents")
