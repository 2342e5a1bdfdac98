"""The daily application history of each office (planning)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Date, ForeignKeyConstraint, Integer, String, Table

from loket.store.tables.base import metadata
from loket.store.types import UTCDateTime

HISTORY_SOURCES = ("import", "bookings", "synthetic")


# One row per office and day: how many applications the office had. `source` says where the
# count came from, so that synthetic demo rows are never mistaken for real ones.
daily_applications = Table(
    "daily_applications",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("source", String(16), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint('"count" >= 0', name="count"),
    CheckConstraint("source IN ('import', 'bookings', 'synthetic')", name="source"),
    ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_daily_applications_office"),
)
