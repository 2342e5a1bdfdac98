"""Unpaid holds lapse at `pay_before`: the place goes to the waiting list, else back to the pool.

Run by `loket worker`, on every availability read, before a look-up, cancel or reschedule, and (at
most once a second per office) when a booking finds its session full, so nobody sees a stale 'full'."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from loket.domain.booking import Status
from loket.domain.notification import Event
from loket.services.audit import record
from loket.services.notifications import about_booking
from loket.services.waitlist_offers import place_freed
from loket.store import booking_repo, contact_code_repo
from loket.store.database import Connection, Database


async def hold_lapsed(conn: Connection, row: Any, now: datetime) -> None:
    """In the lapsing transaction: offer the freed place to the waiting list, tell the applicant."""
    await place_freed(conn, row.office_code, row.day, row.starts, row.category, row.seat, now)
    # A pending booking (issue 21) whose code was never entered told nobody it was booked: its
    # contact may not be the applicant's, so it is not told the hold lapsed either.
    if await contact_code_repo.codes_of_bookings(conn, row.office_code, [row.booking_code]):
        return
    await about_booking(conn, row, Event.HOLD_LAPSED, now)


async def expire_lapsed(db: Database, now: datetime, office_code: str | None = None, batch: int = 500) -> int:
    """Expire every unpaid booking whose hold has lapsed; returns how many were expired."""
    expired = 0
    while True:
        async with db.read() as conn:
            due = await booking_repo.lapsed_codes(conn, now, office_code, limit=batch)
        if not due:
            return expired
        async with db.write() as conn:
            for row in due:
                # Re-checked under the row's lock: a payment may have landed since the read.
                fresh = await booking_repo.booking_by_code(conn, row.office_code, row.booking_code, lock=True)
                if fresh is None or fresh.status != Status.AWAITING_PAYMENT.value or fresh.pay_before > now:
                    continue
                if await booking_repo.release(
                    conn, fresh, Status.EXPIRED, now, only_if_status=(Status.AWAITING_PAYMENT.value,)
                ):
                    expired += 1
                    await hold_lapsed(conn, fresh, now)
                    await record(
                        conn,
                        office_code=fresh.office_code,
                        actor="system",
                        action="booking.expire",
                        subject=fresh.booking_code,
                        detail={"pay_before": fresh.pay_before.isoformat()},
                        now=now,
                    )
        if len(due) < batch:
            return expired
