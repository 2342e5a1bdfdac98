"""Quotas and places: the weekly template, each day's capacity, one row per place."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, Date, Index, Integer, String, Table, Time

from loket.store.tables.base import metadata, office_fk

# The weekly template: a category's daily capacity on a weekday, spread over the sessions.
quota_templates = Table(
    "quota_templates",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("weekday", Integer, primary_key=True),  # ISO weekday, 1 = Monday
    Column("category", String(16), primary_key=True),
    Column("capacity", Integer, nullable=False),
    CheckConstraint("capacity >= 0", name="capacity"),
    office_fk("quota_templates"),
)


# A day's capacity per category once the day is opened for booking (from the template or set).
day_quotas = Table(
    "day_quotas",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("category", String(16), primary_key=True),
    Column("capacity", Integer, nullable=False),
    Column("overridden", Boolean, nullable=False),
    CheckConstraint("capacity >= 0", name="capacity"),
    office_fk("day_quotas"),
)


# One row per place: taking a place is claiming a free row (lock policy in docs/locking.md).
places = Table(
    "places",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("starts", Time, primary_key=True),
    Column("category", String(16), primary_key=True),
    Column("seat", Integer, primary_key=True),
    Column("booking_code", String(24), nullable=True),
    office_fk("places"),
)


# Finding a free place scans only free places (the taken ones would grow the scan with every booking).
Index(
    "ix_places_free",
    places.c.office_code,
    places.c.day,
    places.c.starts,
    places.c.category,
    places.c.seat,
    postgresql_where=places.c.booking_code.is_(None),
    sqlite_where=places.c.booking_code.is_(None),
)
