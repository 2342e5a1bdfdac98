"""Offices and what each one publishes: hours, service sessions, stations, closures, extra days."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Date, Integer, String, Table, Text, Time

from loket.store.tables.base import metadata, office_fk
from loket.store.types import UTCDateTime

offices = Table(
    "offices",
    metadata,
    Column("code", String(8), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("address", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
)


office_hours = Table(
    "office_hours",
    metadata,
    Column("office_code", String(8), primary_key=True),
    # ISO weekday, 1 = Monday ... 7 = Sunday
    Column("weekday", Integer, primary_key=True),
    Column("opens", Time, nullable=False),
    Column("closes", Time, nullable=False),
    CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday"),
    CheckConstraint("opens < closes", name="order"),
    office_fk("office_hours"),
)


office_sessions = Table(
    "office_sessions",
    metadata,
    Column("office_code", String(8), primary_key=True),
    # A session is named by its start in the office's local time, e.g. 08:00.
    Column("starts", Time, primary_key=True),
    Column("ends", Time, nullable=False),
    CheckConstraint("starts < ends", name="order"),
    office_fk("office_sessions"),
)


stations = Table(
    "stations",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("code", String(16), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(100), nullable=False),
    Column("number", Integer, nullable=False),
    office_fk("stations"),
)


office_closures = Table(
    "office_closures",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("start_date", Date, primary_key=True),
    Column("end_date", Date, nullable=False),
    Column("reason", String(200), nullable=False),
    CheckConstraint("start_date <= end_date", name="order"),
    office_fk("office_closures"),
)


extra_service_days = Table(
    "extra_service_days",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("reason", String(200), nullable=False),
    office_fk("extra_service_days"),
)
