"""One-time codes and pending bookings in the database (tables/contact_codes.py). Never commits.

Lock policy (docs/locking.md, "Contact codes"): a try is counted by one conditional UPDATE
(`tries_left = tries_left - 1 WHERE state = 'pending' AND tries_left > 0 AND expires_at > now`),
which takes the code's row lock until commit, so concurrent tries of one code are counted one
after the other and never more than its tries are compared. The pending bookings of a code are
then locked (FOR UPDATE) in booking-code order before their NIK holds are taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store import dialect
from loket.store.tables import booking_verifications, bookings, contact_codes, nik_holds


async def add_code(conn: AsyncConnection, row: dict[str, Any]) -> None:
    await conn.execute(contact_codes.insert().values(row))


async def add_pending(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(booking_verifications.insert(), list(rows))


async def pending_subject(conn: AsyncConnection, office_code: str, code_id: str) -> str | None:
    """What a code still pending is for, when it is not a booking: a waiting-list or ballot entry's
    code (kept in `booking_verifications.booking_code`, which is wide enough and never collides)."""
    query = select(booking_verifications.c.booking_code).where(
        booking_verifications.c.office_code == office_code,
        booking_verifications.c.code_id == code_id,
        booking_verifications.c.state == "pending",
    )
    return (await conn.execute(query)).scalar()


async def count_try(conn: AsyncConnection, office_code: str, code_id: str, now: datetime) -> Row[Any] | None:
    """Count one try of a live code before it is compared; the row as it is after, or None when the
    code is unknown, used, expired or out of tries."""
    live = and_(
        contact_codes.c.office_code == office_code,
        contact_codes.c.id == code_id,
        contact_codes.c.state == "pending",
        contact_codes.c.tries_left > 0,
        contact_codes.c.expires_at > now,
    )
    stmt = (
        update(contact_codes)
        .where(live)
        .values(tries_left=contact_codes.c.tries_left - 1)
        .returning(*contact_codes.c)
    )
    return (await conn.execute(stmt)).first()


async def code_row(conn: AsyncConnection, office_code: str, code_id: str) -> Row[Any] | None:
    query = select(contact_codes).where(
        contact_codes.c.office_code == office_code, contact_codes.c.id == code_id
    )
    return (await conn.execute(query)).first()


async def finish_code(
    conn: AsyncConnection, office_code: str, code_id: str, state: str, now: datetime
) -> None:
    """The code is used up (verified or failed); a release claim forgets its NIK."""
    await conn.execute(
        update(contact_codes)
        .where(contact_codes.c.office_code == office_code, contact_codes.c.id == code_id)
        .values(state=state, finished_at=now, nik=None)
    )


async def pending_bookings(conn: AsyncConnection, office_code: str, code_id: str) -> list[Row[Any]]:
    """The bookings still pending on this code, locked, in booking-code order (the lock order)."""
    query = (
        select(bookings, booking_verifications.c.kk_hash.label("kk_hash"))
        .join(
            booking_verifications,
            and_(
                booking_verifications.c.office_code == bookings.c.office_code,
                booking_verifications.c.booking_code == bookings.c.booking_code,
            ),
        )
        .where(
            booking_verifications.c.office_code == office_code,
            booking_verifications.c.code_id == code_id,
            booking_verifications.c.state == "pending",
        )
        .order_by(bookings.c.booking_code)
    )
    return list((await conn.execute(dialect.locked(conn, query))).all())


async def codes_of_bookings(
    conn: AsyncConnection, office_code: str, booking_codes: Sequence[str]
) -> set[str]:
    """Which of these bookings are (still) pending on a code."""
    query = select(booking_verifications.c.booking_code).where(
        booking_verifications.c.office_code == office_code,
        booking_verifications.c.booking_code.in_(list(booking_codes)),
        booking_verifications.c.state == "pending",
    )
    return {r.booking_code for r in await conn.execute(query)}


async def finish_booking(
    conn: AsyncConnection, office_code: str, booking_code: str, state: str, now: datetime
) -> None:
    await conn.execute(
        update(booking_verifications)
        .where(
            booking_verifications.c.office_code == office_code,
            booking_verifications.c.booking_code == booking_code,
        )
        .values(state=state, finished_at=now)
    )


async def verification_of(conn: AsyncConnection, office_code: str, booking_code: str) -> Row[Any] | None:
    """How a booking's contact was verified (None: made with verification off, or before it existed)."""
    query = select(booking_verifications).where(
        booking_verifications.c.office_code == office_code,
        booking_verifications.c.booking_code == booking_code,
    )
    return (await conn.execute(query)).first()


async def holding_booking(conn: AsyncConnection, nik: str, *, lock: bool = False) -> Row[Any] | None:
    """The booking that holds the NIK (its hold, then the booking row; locked with `lock`)."""
    hold = (await conn.execute(select(nik_holds).where(nik_holds.c.nik == nik))).first()
    if hold is None:
        return None
    query = select(bookings).where(
        bookings.c.office_code == hold.office_code, bookings.c.booking_code == hold.booking_code
    )
    if lock:
        query = dialect.locked(conn, query)
    return (await conn.execute(query)).first()


async def confirm_pending(conn: AsyncConnection, booking: Any, pay_before: datetime, now: datetime) -> None:
    """A verified booking gets its real payment deadline (its pending one was the code's expiry)."""
    await conn.execute(
        update(bookings)
        .where(bookings.c.office_code == booking.office_code, bookings.c.booking_code == booking.booking_code)
        .values(pay_before=pay_before, updated_at=now)
    )


async def mark_released(
    conn: AsyncConnection, office_code: str, booking_code: str, claim_id: str, now: datetime
) -> None:
    """The booking was released by its NIK's holder (kept for the broker report)."""
    done = await conn.execute(
        update(booking_verifications)
        .where(
            booking_verifications.c.office_code == office_code,
            booking_verifications.c.booking_code == booking_code,
        )
        .values(state="released", finished_at=now)
    )
    if not done.rowcount:  # made with verification off: no row yet
        await conn.execute(
            booking_verifications.insert().values(
                office_code=office_code,
                booking_code=booking_code,
                code_id=claim_id,
                state="released",
                kk_hash=None,
                finished_at=now,
            )
        )


async def released_by_holder(conn: AsyncConnection, office_code: str) -> set[str]:
    """The office's bookings released by the NIK's real holder (the broker report's evidence)."""
    query = select(booking_verifications.c.booking_code).where(
        booking_verifications.c.office_code == office_code, booking_verifications.c.state == "released"
    )
    return {r.booking_code for r in await conn.execute(query)}
