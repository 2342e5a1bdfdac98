"""Waiting lists for full sessions."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Time,
    UniqueConstraint,
)

from loket.store.tables.base import metadata
from loket.store.types import UTCDateTime

# One row per person waiting for a full session. While `status` is `offered`, the place whose
# `places.booking_code` equals `hold_mark` is reserved for this person (lock policy in
# docs/locking.md, "Waiting list"): it is never offered to anyone else at the same time.
waitlist_entries = Table(
    "waitlist_entries",
    metadata,
    Column("office_code", String(8), primary_key=True),
    # Unguessable, printed on the applicant's page: the capability to see and accept the offer.
    Column("entry_code", String(24), primary_key=True),
    Column("day", Date, nullable=False),
    Column("starts", Time, nullable=False),
    Column("category", String(16), nullable=False),
    Column("nik", String(16), nullable=False),
    Column("full_name", String(120), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(8), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("email", String(254), nullable=True),
    Column("product", String(32), nullable=False),
    Column("validity_years", Integer, nullable=True),
    Column("service", String(24), nullable=False),
    Column("locale", String(5), nullable=False),
    # waiting -> offered -> accepted | passed (offer not taken) ; waiting|offered -> withdrawn
    Column("status", String(12), nullable=False),
    Column("joined_at", UTCDateTime, nullable=False),
    # Time-ordered id (store.ids): breaks ties between people who joined in the same instant.
    Column("seq", String(32), nullable=False),
    Column("offered_at", UTCDateTime, nullable=True),
    Column("offers", Integer, nullable=False, server_default="0"),
    Column("seat", Integer, nullable=True),
    Column("booking_code", String(24), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint(
        "office_code", "day", "starts", "category", "nik", name="uq_waitlist_entries_office_code"
    ),
    ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_waitlist_entries_office"),
)


Index(
    "ix_waitlist_queue",
    waitlist_entries.c.office_code,
    waitlist_entries.c.day,
    waitlist_entries.c.starts,
    waitlist_entries.c.category,
    waitlist_entries.c.status,
    waitlist_entries.c.joined_at,
    waitlist_entries.c.seq,
)


Index("ix_waitlist_offers", waitlist_entries.c.status, waitlist_entries.c.offered_at)
