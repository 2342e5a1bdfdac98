"""The counts the supervisor's dashboard reads that no other repository has. Never commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store.tables import bookings


async def booking_statuses(conn: AsyncConnection, office_code: str, day: date) -> dict[str, int]:
    """How many of the day's bookings are in each status."""
    query = (
        select(bookings.c.status, func.count().label("n"))
        .where(bookings.c.office_code == office_code, bookings.c.day == day)
        .group_by(bookings.c.status)
    )
    return {r.status: int(r.n) for r in await conn.execute(query)}
