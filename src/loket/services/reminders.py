"""Reminders the worker queues on its own: payment deadline near, appointment tomorrow."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from loket.domain.notification import Event
from loket.services.catalog import Catalog
from loket.services.notifications import about_booking
from loket.store import booking_repo, offices_repo
from loket.store.database import Database

BATCH = 500


async def queue_reminders(
    db: Database, catalog: Catalog, deadline_minutes: int, now: datetime
) -> dict[str, int]:
    """Queue 'deadline near' for unpaid bookings close to lapsing and 'tomorrow' for paid ones."""
    until = now + timedelta(minutes=deadline_minutes)
    async with db.read() as conn:
        due_near = await booking_repo.unpaid_due_between(
            conn, now, until, untold=Event.DEADLINE_NEAR.value, limit=BATCH
        )
        codes = await offices_repo.office_codes(conn)
    # 'Pay with billing code ...' waits for the code: a booking still awaiting it is not payable.
    due_near = [row for row in due_near if row.billing_code is not None]
    tomorrow_rows: list[Any] = []
    for code in codes:
        tomorrow = (await catalog.get(db, code)).office.local_today(now) + timedelta(days=1)
        async with db.read() as conn:
            tomorrow_rows += await booking_repo.paid_on_day(
                conn, code, tomorrow, untold=Event.REMINDER.value, limit=BATCH
            )
    queued = {"deadline_near": 0, "reminder": 0}
    if due_near or tomorrow_rows:
        async with db.write() as conn:
            for row in due_near:
                queued["deadline_near"] += await about_booking(conn, row, Event.DEADLINE_NEAR, now)
            for row in tomorrow_rows:
                queued["reminder"] += await about_booking(
                    conn, row, Event.REMINDER, now, occasion=row.day.isoformat()
                )
    return queued
