"""What the broker-pattern report reads (bookings, their payers, release times) and the office's
in-person verification flag on bookings. Never commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store.tables import bookings, day_releases, payments


async def bookings_between(
    conn: AsyncConnection, office_code: str, first: date, last: date
) -> list[Row[Any]]:
    """The office's bookings (not purged) for appointment days in [first, last]."""
    query = select(bookings).where(
        bookings.c.office_code == office_code,
        bookings.c.day >= first,
        bookings.c.day <= last,
        bookings.c.purged_at.is_(None),
    )
    return list((await conn.execute(query)).all())


async def payers(conn: AsyncConnection, office_code: str) -> dict[str, set[str]]:
    """Booking code -> the payers the banks named for it."""
    found: dict[str, set[str]] = defaultdict(set)
    query = select(payments.c.booking_code, payments.c.payer).where(
        payments.c.office_code == office_code, payments.c.payer.is_not(None)
    )
    for p in await conn.execute(query):
        found[p.booking_code].add(p.payer)
    return found


async def release_times(
    conn: AsyncConnection, office_code: str, first: date, last: date
) -> dict[date, datetime]:
    """Appointment day -> when its places were released, for days in [first, last]."""
    query = select(day_releases.c.day, day_releases.c.opens_at).where(
        day_releases.c.office_code == office_code,
        day_releases.c.day >= first,
        day_releases.c.day <= last,
    )
    return {r.day: r.opens_at for r in await conn.execute(query)}


async def known_bookings(conn: AsyncConnection, office_code: str, codes: Sequence[str]) -> set[str]:
    """Which of `codes` are bookings of the office."""
    query = select(bookings.c.booking_code).where(
        bookings.c.office_code == office_code, bookings.c.booking_code.in_(list(codes))
    )
    return {r.booking_code for r in await conn.execute(query)}


async def set_verify_flag(
    conn: AsyncConnection, office_code: str, codes: Sequence[str], flag: bool, reason: str | None
) -> None:
    """Mark bookings for in-person verification at check-in (with the reason), or clear the mark."""
    await conn.execute(
        update(bookings)
        .where(bookings.c.office_code == office_code, bookings.c.booking_code.in_(list(codes)))
        .values(verify_in_person=flag, flag_reason=reason)
    )
