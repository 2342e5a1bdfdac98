"""Documents uploaded before the visit (issue 20): the metadata of each checklist item's file (the
file itself lies in LOKET_DOCUMENTS_DIR under its SHA-256), and the extra items an office asks for."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Integer, String, Table

from loket.store.tables.base import metadata, office_fk
from loket.store.types import UTCDateTime

# One row per booking and checklist item: the latest accepted copy (a new upload replaces it).
booking_documents = Table(
    "booking_documents",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("booking_code", String(24), primary_key=True),
    Column("item", String(32), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("media_type", String(32), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("width", Integer, nullable=True),
    Column("height", Integer, nullable=True),
    Column("pages", Integer, nullable=True),
    Column("uploads", Integer, nullable=False, server_default="1"),  # this item's uploads so far
    Column("state", String(16), nullable=False),
    Column("reason", String(200), nullable=True),
    Column("uploaded_at", UTCDateTime, nullable=False),
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    CheckConstraint("state IN ('uploaded', 'verified', 'rejected')", name="state"),
    office_fk("booking_documents"),
)

# What an office adds to every checklist (domain/documents.OFFICE_ITEMS), e.g. the travel agent's
# letter of umrah applicants.
office_document_items = Table(
    "office_document_items",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("item", String(32), primary_key=True),
    office_fk("office_document_items"),
)
