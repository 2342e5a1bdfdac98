"""Billing codes awaited from the billing provider (`billing_requests`). Never commits.

Lock policy (docs/locking.md, "Billing codes"): a code is written under the booking's row lock
with a conditional UPDATE (`billing_code IS NULL`), so the booking's own attempt and a worker's
retry (or two workers) write it once; the provider answers the same code for the same booking.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store.tables import billing_requests, billings, bookings


async def request(conn: AsyncConnection, office_code: str, booking_code: str) -> Row[Any] | None:
    """The booking's billing request, or None (a booking of the local provider has none)."""
    query = select(billing_requests).where(
        billing_requests.c.office_code == office_code, billing_requests.c.booking_code == booking_code
    )
    return (await conn.execute(query)).first()


async def due(conn: AsyncConnection, now: datetime, limit: int) -> list[Row[Any]]:
    """Pending requests whose next attempt is due, oldest first."""
    query = (
        select(billing_requests)
        .where(billing_requests.c.state == "pending", billing_requests.c.next_attempt_at <= now)
        .order_by(billing_requests.c.next_attempt_at)
        .limit(limit)
    )
    return list((await conn.execute(query)).all())


async def issued_unpaid_lapsing(conn: AsyncConnection, now: datetime, limit: int) -> list[Any]:
    """Bookings with a provider's code still unpaid at their deadline: (office, booking, code)."""
    query = (
        select(bookings.c.office_code, bookings.c.booking_code, bookings.c.billing_code)
        .select_from(
            billing_requests.join(
                bookings,
                (bookings.c.office_code == billing_requests.c.office_code)
                & (bookings.c.booking_code == billing_requests.c.booking_code),
            )
        )
        .where(
            billing_requests.c.state == "issued",
            bookings.c.status == "awaiting_payment",
            bookings.c.pay_before <= now,
        )
        .order_by(bookings.c.pay_before)
        .limit(limit)
    )
    return list((await conn.execute(query)).all())


async def postpone(
    conn: AsyncConnection, office_code: str, booking_code: str, *, retry_at: datetime, error: str
) -> None:
    """One more failed attempt: try again at `retry_at`."""
    await conn.execute(
        update(billing_requests)
        .where(
            billing_requests.c.office_code == office_code,
            billing_requests.c.booking_code == booking_code,
            billing_requests.c.state == "pending",
        )
        .values(attempts=billing_requests.c.attempts + 1, next_attempt_at=retry_at, last_error=error[:200])
    )


async def finish(
    conn: AsyncConnection,
    office_code: str,
    booking_code: str,
    state: str,
    now: datetime,
    error: str | None = None,
) -> None:
    """Close the request: issued, or abandoned (the booking lapsed, or the provider refused)."""
    values: dict[str, Any] = {"state": state, "issued_at": now if state == "issued" else None}
    if error is not None:
        values["last_error"] = error[:200]
    await conn.execute(
        update(billing_requests)
        .where(
            billing_requests.c.office_code == office_code,
            billing_requests.c.booking_code == booking_code,
            billing_requests.c.state == "pending",
        )
        .values(**values)
    )


async def set_code(
    conn: AsyncConnection, office_code: str, booking_code: str, billing: dict[str, Any]
) -> bool:
    """Give the booking its code (and the `billings` row) unless it already has one; True if written."""
    done = await conn.execute(
        update(bookings)
        .where(
            bookings.c.office_code == office_code,
            bookings.c.booking_code == booking_code,
            bookings.c.billing_code.is_(None),
        )
        .values(billing_code=billing["billing_code"], updated_at=billing["created_at"])
    )
    if done.rowcount != 1:
        return False
    await conn.execute(billings.insert().values(billing))
    return True


async def add_request(
    conn: AsyncConnection, office_code: str, booking_code: str, locale: str, now: datetime
) -> None:
    """Ask the provider for the booking's code (a pending booking asks once its contact is verified)."""
    await conn.execute(
        billing_requests.insert().values(
            office_code=office_code,
            booking_code=booking_code,
            provider="http",
            state="pending",
            attempts=0,
            next_attempt_at=now,
            last_error=None,
            locale=locale,
            created_at=now,
            issued_at=None,
        )
    )
