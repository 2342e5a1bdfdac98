"""Which payment an NTPN belongs to, and the callbacks refused because their NTPN was another's.

An NTPN (the state-revenue receipt number) is issued once, nationally, for one payment. `payments`
is keyed by office, so it cannot see the same NTPN used at two offices, and two callbacks for two
bookings racing on one NTPN both found it free. `ntpn_claims` is national, keyed by the NTPN
(like `billings` by its code): the first callback's INSERT wins and every later one sees whose it is.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from loket.store.tables.base import metadata, office_fk
from loket.store.types import UTCDateTime

ntpn_claims = Table(
    "ntpn_claims",
    metadata,
    Column("ntpn", String(32), primary_key=True),
    Column("office_code", String(8), nullable=False),
    Column("billing_code", String(15), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
)

# For the finance officer: a callback whose NTPN already paid another billing (a bank error, or
# a receipt replayed to pay a second booking). Nothing was applied; the bank must be asked.
refused_payments = Table(
    "refused_payments",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("ntpn", String(32), primary_key=True),
    Column("billing_code", String(15), primary_key=True),
    Column("booking_code", String(24), nullable=False),
    Column("bank", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("paid_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("reason", String(24), nullable=False),
    # The billing code the NTPN was first applied to.
    Column("claimed_by", String(15), nullable=False),
    office_fk("refused_payments"),
)
