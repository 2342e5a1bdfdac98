"""The schema. Every table that belongs to an office has `office_code` first in its primary key
and in every unique key, so the schema can be distributed by office (Citus) unchanged."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
)

from loket.store.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _office_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["office_code"], ["offices.code"], name=f"fk_{table}_office")


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
    _office_fk("office_hours"),
)

office_sessions = Table(
    "office_sessions",
    metadata,
    Column("office_code", String(8), primary_key=True),
    # A session is named by its start in the office's local time, e.g. 08:00.
    Column("starts", Time, primary_key=True),
    Column("ends", Time, nullable=False),
    CheckConstraint("starts < ends", name="order"),
    _office_fk("office_sessions"),
)

stations = Table(
    "stations",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("code", String(16), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(100), nullable=False),
    Column("number", Integer, nullable=False),
    _office_fk("stations"),
)

office_closures = Table(
    "office_closures",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("start_date", Date, primary_key=True),
    Column("end_date", Date, nullable=False),
    Column("reason", String(200), nullable=False),
    CheckConstraint("start_date <= end_date", name="order"),
    _office_fk("office_closures"),
)

extra_service_days = Table(
    "extra_service_days",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("reason", String(200), nullable=False),
    _office_fk("extra_service_days"),
)

# National, not per office: a reference table on a distributed cluster.
fee_tariffs = Table(
    "fee_tariffs",
    metadata,
    Column("product", String(32), primary_key=True),
    Column("effective_from", Date, primary_key=True),
    Column("amount", BigInteger, nullable=False),
    Column("regulation", String(64), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    CheckConstraint("amount >= 0", name="amount"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("office_code", String(8), primary_key=True),
    # Time-ordered random id (see store.ids): unique without a per-office counter to contend on.
    Column("id", String(32), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(100), nullable=False, server_default=""),
    Column("detail", JSON, nullable=False),
)
