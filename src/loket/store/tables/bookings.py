"""Bookings, and the national holds that enforce rules across offices (one NIK, one contact)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, Date, Index, Integer, String, Table, Time

from loket.store.tables.base import metadata, office_fk
from loket.store.types import UTCDateTime

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
    # NULL while the billing provider has not issued the code yet (billing_requests).
    Column("billing_code", String(15), nullable=True),
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
