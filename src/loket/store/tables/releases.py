"""How an office releases a day's places: first come first served or a ballot, and its entries."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Integer,
    String,
    Table,
    Time,
    UniqueConstraint,
)

from loket.store.tables.base import metadata, office_fk
from loket.store.types import UTCDateTime

# How an office releases one day's places: first come first served (the default for days without
# a row) or a ballot whose seed is committed (SHA-256) before entries open and revealed at the draw.
day_releases = Table(
    "day_releases",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("mode", String(8), nullable=False),
    Column("opens_at", UTCDateTime, nullable=False),  # bookings (fcfs) or entries (ballot) open
    Column("closes_at", UTCDateTime, nullable=True),  # ballot: entries close; the draw follows
    Column("commitment", String(64), nullable=True),  # SHA-256 of the seed, public from the start
    Column("seed", String(64), nullable=True),  # public once drawn_at is set
    Column("entries_digest", String(64), nullable=True),  # SHA-256 of the entry codes, fixed at the draw
    Column("drawn_at", UTCDateTime, nullable=True),
    # Places per "HH:MM/category" when drawn: with the seed, all a re-run of the draw needs.
    Column("draw_capacity", JSON, nullable=True),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("mode IN ('fcfs', 'ballot')", name="mode"),
    office_fk("day_releases"),
)


# One entry per NIK per day (the primary key), with everything needed to book for the winner.
ballot_entries = Table(
    "ballot_entries",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("nik", String(16), primary_key=True),
    Column("entry_code", String(24), nullable=False),
    Column("starts", Time, nullable=False),  # the preferred session
    Column("flexible", Boolean, nullable=False),  # another session of the day will do
    Column("category", String(16), nullable=False),
    Column("full_name", String(120), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(8), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("email", String(254), nullable=True),
    Column("product", String(32), nullable=False),
    Column("validity_years", Integer, nullable=True),
    Column("service", String(24), nullable=False),
    Column("locale", String(5), nullable=False),
    Column("client_ip", String(45), nullable=True),
    Column("client_fp", String(16), nullable=True),
    Column("entered_at", UTCDateTime, nullable=False),
    # entered -> won | waitlisted | ineligible
    Column("status", String(12), nullable=False),
    Column("rank", Integer, nullable=True),  # place in the draw order, 1 first
    Column("drawn_session", String(5), nullable=True),  # the session won ("HH:MM")
    Column("booking_code", String(24), nullable=True),
    Column("waitlist_code", String(24), nullable=True),
    UniqueConstraint("office_code", "entry_code", name="uq_ballot_entries_office_code"),
    office_fk("ballot_entries"),
)


# Entries per contact (tel:, mailto:, addr:) and day: the same conditional-increment rule as
# `contact_usage`, so one phone cannot enter a hundred NIKs into a ballot.
ballot_contacts = Table(
    "ballot_contacts",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("contact", String(270), primary_key=True),
    Column("entries", Integer, nullable=False),
    office_fk("ballot_contacts"),
)
