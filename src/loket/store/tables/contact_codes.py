"""One-time codes sent to a contact, and which bookings wait for (or were confirmed by) one.

A new booking whose contact is not verified yet is *pending*: it holds its place but not its NIK
(docs/security.md, "NIK squatting"). `contact_codes` holds the code (as a keyed hash), its expiry
and its tries; `booking_verifications` ties each pending booking to its code, keeps the family
card (KK) hash it was made with, and records how it ended (verified, refused, released).
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table

from loket.store.tables.base import metadata, office_fk
from loket.store.types import UTCDateTime

contact_codes = Table(
    "contact_codes",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("id", String(32), primary_key=True),  # the handle the requester is given
    Column("purpose", String(8), nullable=False),  # booking | release
    Column("state", String(8), nullable=False),  # pending | verified | failed
    Column("code_hash", String(64), nullable=False),
    Column("tries_left", Integer, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("phone", String(20), nullable=True),
    Column("email", String(254), nullable=True),
    Column("locale", String(5), nullable=False),
    # A release claim: the NIK claimed (cleared when the claim ends) and the KK given.
    Column("nik", String(16), nullable=True),
    Column("kk_hash", String(64), nullable=True),
    Column("client_ip", String(45), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    office_fk("contact_codes"),
)

booking_verifications = Table(
    "booking_verifications",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("booking_code", String(24), primary_key=True),
    Column("code_id", String(32), nullable=False),
    Column("state", String(8), nullable=False),  # pending | verified | refused | released
    Column("kk_hash", String(64), nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    office_fk("booking_verifications"),
)


Index("ix_booking_verifications_code", booking_verifications.c.office_code, booking_verifications.c.code_id)
