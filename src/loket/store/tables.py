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
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
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


def office_fk(table: str) -> ForeignKeyConstraint:
    """The foreign key from a per-office table to its office."""
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
    # The hash chain (issue 7, docs/security.md): NULL until the sealer gives the entry its place
    # in the office's chain; written once, never changed (a trigger refuses it on PostgreSQL).
    Column("seq", BigInteger, nullable=True),
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=True),
    UniqueConstraint("office_code", "seq", name="uq_audit_log_office_code"),
)
# The sealer reads only the unsealed tail, however long the sealed history grows.
Index(
    "ix_audit_log_unsealed",
    audit_log.c.office_code,
    audit_log.c.at,
    audit_log.c.id,
    postgresql_where=audit_log.c.seq.is_(None),
    sqlite_where=audit_log.c.seq.is_(None),
)


# --- Quotas and places -------------------------------------------------------------------------

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

bookings = Table(
    "bookings",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("booking_code", String(24), primary_key=True),
    Column("nik", String(16), nullable=False),
    Column("full_name", String(120), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(8), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("email", String(254), nullable=True),
    Column("day", Date, nullable=False),
    Column("starts", Time, nullable=False),
    Column("category", String(16), nullable=False),
    Column("seat", Integer, nullable=True),
    Column("product", String(32), nullable=False),
    Column("validity_years", Integer, nullable=False),
    Column("service", String(24), nullable=False),
    Column("priority_reason", String(16), nullable=True),
    Column("amount", BigInteger, nullable=False),
    Column("billing_code", String(15), nullable=False),
    Column("status", String(20), nullable=False),
    Column("pay_before", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("paid_at", UTCDateTime, nullable=True),
    Column("reschedules", Integer, nullable=False, server_default="0"),
    Column("refund_due", BigInteger, nullable=False, server_default="0"),
    # Anti-broker evidence and rules (issue 7): where the booking came from, and the office's flag.
    Column("client_ip", String(45), nullable=True),
    Column("client_fp", String(16), nullable=True),  # hash of User-Agent + Accept-Language
    Column("address_key", String(64), nullable=True),  # the contact_usage key it counts against
    Column("verify_in_person", Boolean, nullable=False, server_default="0"),
    Column("flag_reason", String(200), nullable=True),
    Column("purged_at", UTCDateTime, nullable=True),  # personal data removed (retention)
    CheckConstraint("amount >= 0", name="amount"),
    office_fk("bookings"),
)
Index("ix_bookings_unpaid", bookings.c.office_code, bookings.c.status, bookings.c.pay_before)
Index("ix_bookings_nik", bookings.c.office_code, bookings.c.nik)
Index("ix_bookings_day", bookings.c.office_code, bookings.c.day, bookings.c.starts)

# National tables keyed by a person or a code, not an office (distributed by their own key):
# they enforce rules that span offices, e.g. one active booking per NIK anywhere in the country.
nik_holds = Table(
    "nik_holds",
    metadata,
    Column("nik", String(16), primary_key=True),
    Column("office_code", String(8), nullable=False),
    Column("booking_code", String(24), nullable=False),
)

contact_usage = Table(
    "contact_usage",
    metadata,
    Column("contact", String(270), primary_key=True),  # tel:+62... or mailto:...
    Column("active", Integer, nullable=False),
    # The limit in force when the row last grew; the CHECK makes the database refuse a sixth person.
    Column("max_active", Integer, nullable=False),
    CheckConstraint("active >= 0", name="active"),
    CheckConstraint("active <= max_active", name="limit"),
)

# The state-revenue billing codes; the bank's callback names only the code.
billings = Table(
    "billings",
    metadata,
    Column("billing_code", String(15), primary_key=True),
    Column("office_code", String(8), nullable=False),
    Column("booking_code", String(24), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

banks = Table(
    "banks",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("secret", String(128), nullable=False),
    # The previous secret stays valid during a rotation, until it is cleared.
    Column("previous_secret", String(128), nullable=True),
    Column("active", Boolean, nullable=False, server_default="1"),
)

payments = Table(
    "payments",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("ntpn", String(32), primary_key=True),
    Column("billing_code", String(15), nullable=False),
    Column("booking_code", String(24), nullable=False),
    Column("bank", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("paid_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    # accepted, reinstated, amount_mismatch, paid_after_expiry, duplicate
    Column("outcome", String(24), nullable=False),
    Column("refund_due", BigInteger, nullable=False, server_default="0"),
    # The bank's reference of who paid (an account or a hash of it): payers of many NIKs are brokers.
    Column("payer", String(64), nullable=True),
    office_fk("payments"),
)
Index("ix_payments_billing", payments.c.office_code, payments.c.billing_code)
