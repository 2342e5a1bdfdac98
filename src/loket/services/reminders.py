"""Reminders the worker queues on its own: payment deadline near, appointment tomorrow."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select

from loket.domain.booking import Status
from loket.domain.notification import Event
from loket.notify import events
from loket.services.catalog import Catalog
from loket.store import offices_repo
from loket.store.database import Database
from loket.store.tables import bookings, notify_outbox

BATCH = 500


def _not_told(event: Event) -> Any:
    return ~exists().where(
        and_(
            notify_outbox.c.office_code == bookings.c.office_code,
            notify_outbox.c.subject == bookings.c.booking_code,
            notify_outbox.c.event == event.value,
        )
    )


async def queue_reminders(
    db: Database, catalog: Catalog, deadline_minutes: int, now: datetime
) -> dict[str, int]:
    """Queue 'deadline near' for unpaid bookings close to lapsing and 'tomorrow' for paid ones."""
    near = select(bookings).where(
        bookings.c.status == Status.AWAITING_PAYMENT.value,
        bookings.c.pay_before > now,
        bookings.c.pay_before <= now + timedelta(minutes=deadline_minutes),
        _not_told(Event.DEADLINE_NEAR),
    )
    async with db.read() as conn:
        due_near = (await conn.execute(near.limit(BATCH))).all()
        codes = await offices_repo.office_codes(conn)
    tomorrow_rows: list[Any] = []
    for code in codes:
        tomorrow = (await catalog.get(db, code)).office.local_today(now) + timedelta(days=1)
        query = select(bookings).where(
            bookings.c.office_code == code,
            bookings.c.day == tomorrow,
            bookings.c.status == Status.PAID.value,
            _not_told(Event.REMINDER),
        )
        async with db.read() as conn:
            tomorrow_rows += (await conn.execute(query.limit(BATCH))).all()
    queued = {"deadline_near": 0, "reminder": 0}
    if due_near or tomorrow_rows:
        async with db.write() as conn:
            for row in due_near:
                queued["deadline_near"] += await events.about_booking(conn, row, Event.DEADLINE_NEAR, now)
            for row in tomorrow_rows:
                queued["reminder"] += await events.about_booking(
                    conn, row, Event.REMINDER, now, occasion=row.day.isoformat()
                )
    return queued
