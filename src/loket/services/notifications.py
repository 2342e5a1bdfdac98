"""Telling people about events: each function queues its messages in the caller's transaction.

The rows are built by `loket.notify.events` and written to the outbox by `store/outbox_repo.py`;
`services/delivery.py` sends them after commit. The booking side queues `payment_received`,
`deadline_near`, `reminder`, `hold_lapsed`, `waitlist_offer`, `booking_cancelled` and
`booking_moved` here (`booking_made` is written with the booking itself). The office floor queues
`next_in` (services/floor_notices.py: when N people are before a ticket), `dossier_incomplete`
and `passport_ready` (services/floor.py complete_stage); the hand-over at a collection counter
queues `survey_invite`. docs/notifications.md lists them all with their idempotency keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from loket.domain.notification import Event
from loket.notify.events import about_booking_rows, waitlist_offer_rows
from loket.store import booking_repo, outbox_repo
from loket.store.database import Connection


async def about_booking(
    conn: Connection,
    row: Any,
    event: Event,
    now: datetime,
    *,
    occasion: str = "",
    **extra: Any,
) -> int:
    """Queue `event` about a booking row to its holder, in the language they booked in."""
    locale = await outbox_repo.locale_of(conn, row.office_code, row.booking_code)
    rows = about_booking_rows(row, event, locale, now, occasion=occasion, **extra)
    return await outbox_repo.enqueue(conn, rows)


async def _by_code(conn: Connection, office_code: str, booking_code: str) -> Any:
    row = await booking_repo.booking_by_code(conn, office_code, booking_code)
    if row is None:
        raise LookupError(f"no booking {booking_code} at {office_code}")
    return row


async def notify_dossier_incomplete(
    conn: Connection, office_code: str, booking_code: str, missing: list[str], now: datetime
) -> int:
    """'Your dossier is incomplete: bring ...', from the intake counter that found it so."""
    row = await _by_code(conn, office_code, booking_code)
    return await about_booking(
        conn,
        row,
        Event.DOSSIER_INCOMPLETE,
        now,
        occasion=now.isoformat(),
        missing=[str(m) for m in missing],
    )


async def notify_passport_ready(conn: Connection, office_code: str, booking_code: str, now: datetime) -> int:
    """'Your passport is ready for pickup' (with the office's hours), from the quality check."""
    row = await _by_code(conn, office_code, booking_code)
    return await about_booking(conn, row, Event.PASSPORT_READY, now)


async def notify_survey_invite(
    conn: Connection, office_code: str, booking_code: str, token: str, now: datetime
) -> int:
    """'How was our service?': the satisfaction survey link, in the hand-over's transaction."""
    row = await _by_code(conn, office_code, booking_code)
    return await about_booking(conn, row, Event.SURVEY_INVITE, now, survey=token)


async def booking_cancelled(conn: Connection, row: Any, now: datetime) -> int:
    """'Your booking is cancelled' (and the refund due), in the cancelling transaction."""
    return await about_booking(conn, row, Event.BOOKING_CANCELLED, now, refund=int(row.refund_due or 0))


async def booking_moved(conn: Connection, row: Any, move: int, now: datetime) -> int:
    """'Your booking is moved to ...' (the row as moved), once per move."""
    return await about_booking(conn, row, Event.BOOKING_MOVED, now, occasion=str(move))


async def waitlist_offer(conn: Connection, entry: Any, offer_number: int, now: datetime) -> int:
    """'A place is free for you': queued in the transaction that reserves the place."""
    return await outbox_repo.enqueue(conn, waitlist_offer_rows(entry, offer_number, now))
