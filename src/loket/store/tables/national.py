"""What the directorate decides for every office: national holiday overrides, national administrators."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, String, Table

from loket.store.tables.base import metadata
from loket.store.types import UTCDateTime

# National, not per office (a reference table on a distributed cluster): the decrees the
# `holidays` package does not know yet. `day_off` true declares a day off (an added cuti
# bersama); false cancels a day the package lists (a decree moved it). Applied on top of the
# package by every office's calendar.
holiday_overrides = Table(
    "holiday_overrides",
    metadata,
    Column("day", Date, primary_key=True),
    Column("day_off", Boolean, nullable=False),
    Column("name", String(200), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("decided_by", String(100), nullable=False),
)


# Accounts that administer the whole deployment: offices, banks, tariffs, the national calendar.
national_admins = Table(
    "national_admins",
    metadata,
    Column("username", String(40), primary_key=True),
    Column("granted_at", UTCDateTime, nullable=False),
    Column("granted_by", String(100), nullable=False),
)
