"""The events people are told about, each queued inside the caller's transaction.

The office floor calls `notify_next_in`, `notify_dossier_incomplete` and `notify_passport_ready`
from its own transactions, and the hand-over `notify_survey_invite`; the booking side calls the others.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.notification import Event
from loket.notify.outbox import enqueue, locale_of, outbox_rows
from loket.store import booking_repo


def booking_params(row: Any) -> dict[str, Any]:
    """What every message about a booking may mention (raw values; formatted when sent)."""
    return {
        "code": row.booking_code,
        "office": row.office_code,
        "date": row.day.isoformat(),
        "session": row.starts.strftime("%H:%M"),
        "service": row.service,
        "amount": int(row.amount),
        "billing": row.billing_code,
        "deadline": row.pay_before.isoformat(),
    }


async def about_booking(
    conn: AsyncConnection,
    row: Any,
    event: Event,
    now: datetime,
    *,
    occasion: str = "",
    **extra: Any,
) -> int:
    """Queue `event` about a booking row to its holder, in the language they booked in."""
    locale = await locale_of(conn, row.office_code, row.booking_code)
    rows = outbox_rows(
        office_code=row.office_code,
        event=event,
        subject=row.booking_code,
        phone=row.phone,
        email=row.email,
        locale=locale,
        params=booking_params(row) | extra,
        now=now,
        occasion=occasion,
    )
    return await enqueue(conn, rows)


async def _by_code(conn: AsyncConnection, office_code: str, booking_code: str) -> Any:
    row = await booking_repo.booking_by_code(conn, office_code, booking_code)
    if row is None:
        raise LookupError(f"no booking {booking_code} at {office_code}")
    return row


async def notify_next_in(
    conn: AsyncConnection,
    office_code: str,
    booking_code: str,
    minutes: int,
    now: datetime,
    *,
    ticket: str = "",
) -> int:
    """'You are next in about N minutes': for the floor, once per ticket call-ahead."""
    row = await _by_code(conn, office_code, booking_code)
    return await about_booking(
        conn, row, Event.NEXT_IN, now, occasion=ticket or now.isoformat(), minutes=int(minutes), ticket=ticket
    )


async def notify_dossier_incomplete(
    conn: AsyncConnection, office_code: str, booking_code: str, missing: list[str], now: datetime
) -> int:
    """'Your dossier is incomplete: bring ...': for the floor, after the intake counter."""
    row = await _by_code(conn, office_code, booking_code)
    return await about_booking(
        conn,
        row,
        Event.DOSSIER_INCOMPLETE,
        now,
        occasion=now.isoformat(),
        missing=[str(m) for m in missing],
    )


async def notify_passport_ready(
    conn: AsyncConnection, office_code: str, booking_code: str, now: datetime
) -> int:
    """'Your passport is ready for pickup': for the floor, after the quality check."""
    row = await _by_code(conn, office_code, booking_code)
    return await about_booking(conn, row, Event.PASSPORT_READY, now)


async def notify_survey_invite(
    conn: AsyncConnection, office_code: str, booking_code: str, token: str, now: datetime
) -> int:
    """'How was our service?': the satisfaction survey link, in the hand-over's transaction."""
    row = await _by_code(conn, office_code, booking_code)
    return await about_booking(conn, row, Event.SURVEY_INVITE, now, survey=token)


async def waitlist_offer(conn: AsyncConnection, entry: Any, offer_number: int, now: datetime) -> int:
    """'A place is free for you': queued in the transaction that reserves the place."""
    rows = outbox_rows(
        office_code=entry.office_code,
        event=Event.WAITLIST_OFFER,
        subject=entry.entry_code,
        phone=entry.phone,
        email=entry.email,
        locale=entry.locale,
        params={
            "code": entry.entry_code,
            "office": entry.office_code,
            "date": entry.day.isoformat(),
            "session": entry.starts.strftime("%H:%M"),
            "offered_at": now.isoformat(),
        },
        now=now,
        occasion=str(offer_number),
    )
    return await enqueue(conn, rows)
