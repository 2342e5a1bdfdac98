"""State-revenue billing codes, the designated banks, payments and imported bank statements."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, Date, Index, Integer, String, Table

from loket.store.tables.base import metadata, office_fk
from loket.store.types import UTCDateTime

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


# One row per imported statement file; `statement_id` fingerprints its lines, so importing the
# same statement again finds its row and changes nothing.
bank_statements = Table(
    "bank_statements",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("statement_id", String(64), primary_key=True),
    Column("filename", String(200), nullable=False),
    Column("lines", Integer, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    Column("imported_by", String(100), nullable=False),
    office_fk("bank_statements"),
)


# What the bank says it received, one row per receipt number (NTPN).
bank_statement_lines = Table(
    "bank_statement_lines",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("ntpn", String(32), primary_key=True),
    Column("billing_code", String(15), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("paid_at", UTCDateTime, nullable=False),
    Column("bank", String(16), nullable=False),
    Column("statement_id", String(64), nullable=False),
    Column("line", Integer, nullable=False),
    CheckConstraint("amount > 0", name="amount"),
    office_fk("bank_statement_lines"),
)


Index("ix_statement_lines_paid", bank_statement_lines.c.office_code, bank_statement_lines.c.paid_at)


# Entries of a statement that are not plain payments: a second credit of an NTPN already on the
# statement (duplicate) or a credit taken back (reversal). Keyed by the statement and its line,
# so importing the statement again finds them and adds nothing.
bank_statement_exceptions = Table(
    "bank_statement_exceptions",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("statement_id", String(64), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("kind", String(12), nullable=False),  # duplicate, reversal
    Column("ntpn", String(32), nullable=False),
    Column("billing_code", String(15), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("paid_at", UTCDateTime, nullable=False),
    Column("bank", String(16), nullable=False),
    CheckConstraint("amount > 0", name="amount"),
    office_fk("bank_statement_exceptions"),
)


Index(
    "ix_statement_exceptions_paid",
    bank_statement_exceptions.c.office_code,
    bank_statement_exceptions.c.paid_at,
)
