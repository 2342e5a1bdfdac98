"""Billing codes still to be fetched from the billing provider, and refunds owed to applicants."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Integer, String, Table, UniqueConstraint

from loket.store.tables.base import metadata, office_fk
from loket.store.types import UTCDateTime

# The outbox of the billing provider: a booking made while the provider was slow or down waits
# here (written in the booking's own transaction) until the worker gets its code.
billing_requests = Table(
    "billing_requests",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("booking_code", String(24), primary_key=True),
    Column("provider", String(16), nullable=False),
    # pending (to fetch), issued (the booking has its code), abandoned (the booking lapsed first)
    Column("state", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", String(200), nullable=True),
    Column("locale", String(8), nullable=False),  # the 'booking made' message waits for the code
    Column("created_at", UTCDateTime, nullable=False),
    Column("issued_at", UTCDateTime, nullable=True),
    office_fk("billing_requests"),
)


Index("ix_billing_requests_due", billing_requests.c.state, billing_requests.c.next_attempt_at)


# Money owed back to an applicant: opened by a paid-then-cancelled booking or by a payment that
# buys nothing (after expiry, twice, the wrong amount); a supervisor approves or rejects it, and
# it is paid with the bank's transfer reference. `source` makes opening idempotent.
refunds = Table(
    "refunds",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("refund_id", String(32), primary_key=True),
    Column("source", String(48), nullable=False),  # payment:<NTPN> or cancel:<booking code>
    Column("booking_code", String(24), nullable=False),
    Column("ntpn", String(32), nullable=True),
    Column("reason", String(32), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("status", String(12), nullable=False),  # due, approved, rejected, paid
    Column("opened_at", UTCDateTime, nullable=False),
    Column("opened_by", String(100), nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decided_by", String(100), nullable=True),
    Column("note", String(200), nullable=True),
    Column("paid_at", UTCDateTime, nullable=True),
    Column("paid_by", String(100), nullable=True),
    Column("bank_reference", String(64), nullable=True),
    CheckConstraint("amount > 0", name="amount"),
    UniqueConstraint("office_code", "source", name="uq_refunds_source"),
    office_fk("refunds"),
)


Index("ix_refunds_status", refunds.c.office_code, refunds.c.status, refunds.c.opened_at)
