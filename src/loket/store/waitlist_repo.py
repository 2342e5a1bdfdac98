"""Waiting lists in the database: entries, offers and the places reserved for them.

Lock policy (docs/locking.md, "Waiting list"): a freed place is reserved for the next waiting
person in the transaction that frees it (`services/waitlist_offers.py`), by one conditional
UPDATE of the `places` row (`booking_code IS NULL` -> the entry's hold mark, `reserve_place`).
The next person is chosen with `FOR UPDATE SKIP LOCKED` on PostgreSQL (`next_waiting`), so two
transactions freeing places of the same session offer them to two different people and never
wait on each other. Never commits; the audit and outbox rows of an offer are the service's.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.waitlist import WaitStatus
from loket.store import dialect
from loket.store.tables import places
from loket.store.tables import waitlist_entries as entries

SWEEP_LIMIT = 500


def _session(office_code: str, day: date, starts: time, category: str) -> Any:
    return and_(
        entries.c.office_code == office_code,
        entries.c.day == day,
        entries.c.starts == starts,
        entries.c.category == category,
    )


async def insert_entry(conn: AsyncConnection, row: dict[str, Any]) -> None:
    await conn.execute(entries.insert().values(**row))


async def verify_entry(conn: AsyncConnection, office_code: str, code: str, now: datetime) -> bool:
    """An unverified entry starts waiting (its contact's code was entered); False if it is gone."""
    result = await conn.execute(
        update(entries)
        .where(
            entries.c.office_code == office_code,
            entries.c.entry_code == code,
            entries.c.status == WaitStatus.UNVERIFIED.value,
        )
        .values(status=WaitStatus.WAITING.value, updated_at=now)
        .returning(entries.c.entry_code)
    )
    return result.first() is not None


async def delete_entry(conn: AsyncConnection, entry: Any) -> None:
    """Remove a closed entry (the person joins the same session afresh)."""
    await conn.execute(
        delete(entries).where(
            entries.c.office_code == entry.office_code, entries.c.entry_code == entry.entry_code
        )
    )


async def entry_by_code(
    conn: AsyncConnection, office_code: str, code: str, *, lock: bool = False
) -> Row[Any] | None:
    query = select(entries).where(entries.c.office_code == office_code, entries.c.entry_code == code)
    if lock:
        query = dialect.locked(conn, query)
    return (await conn.execute(query)).first()


async def open_entry_of(
    conn: AsyncConnection, office_code: str, day: date, starts: time, category: str, nik: str
) -> Row[Any] | None:
    query = select(entries).where(
        _session(office_code, day, starts, category),
        entries.c.nik == nik,
    )
    return (await conn.execute(query)).first()


async def position(conn: AsyncConnection, entry: Any) -> int:
    """1 for the first person still waiting, 2 for the next, ..."""
    ahead = await conn.execute(
        select(func.count())
        .select_from(entries)
        .where(
            _session(entry.office_code, entry.day, entry.starts, entry.category),
            entries.c.status == WaitStatus.WAITING.value,
            or_(
                entries.c.joined_at < entry.joined_at,
                and_(entries.c.joined_at == entry.joined_at, entries.c.seq < entry.seq),
            ),
        )
    )
    return int(ahead.scalar_one()) + 1


async def waiting_count(
    conn: AsyncConnection, office_code: str, day: date, starts: time, category: str
) -> int:
    found = await conn.execute(
        select(func.count())
        .select_from(entries)
        .where(_session(office_code, day, starts, category), entries.c.status == WaitStatus.WAITING.value)
    )
    return int(found.scalar_one())


async def next_waiting(
    conn: AsyncConnection, office_code: str, day: date, starts: time, category: str
) -> Row[Any] | None:
    """The first person still waiting for the session, locked (skipping anyone locked elsewhere)."""
    query = (
        select(entries)
        .where(_session(office_code, day, starts, category), entries.c.status == WaitStatus.WAITING.value)
        .order_by(entries.c.joined_at, entries.c.seq)
        .limit(1)
    )
    # Skip a person another transaction is offering a place to right now: they get that one.
    query = dialect.locked(conn, query, skip_locked=True)
    return (await conn.execute(query)).first()


async def reserve_place(
    conn: AsyncConnection,
    office_code: str,
    day: date,
    starts: time,
    category: str,
    seat: int,
    mark: str,
    *,
    holder: str | None = None,
) -> bool:
    """Put `mark` on the place if it still holds `holder` (None: free); False when it was taken again."""
    holder_test = places.c.booking_code.is_(None) if holder is None else places.c.booking_code == holder
    reserved = await conn.execute(
        update(places)
        .where(
            places.c.office_code == office_code,
            places.c.day == day,
            places.c.starts == starts,
            places.c.category == category,
            places.c.seat == seat,
            holder_test,
        )
        .values(booking_code=mark)
    )
    return bool(reserved.rowcount)


async def take_reserved_place(conn: AsyncConnection, office_code: str, mark: str, booking_code: str) -> int:
    """Hand the place reserved under `mark` to a booking; how many places changed (1 when open)."""
    moved = await conn.execute(
        update(places)
        .where(places.c.office_code == office_code, places.c.booking_code == mark)
        .values(booking_code=booking_code)
    )
    return int(moved.rowcount)


async def clear_mark(conn: AsyncConnection, office_code: str, mark: str) -> None:
    """Give the place reserved under `mark` back to the pool."""
    await conn.execute(
        update(places)
        .where(places.c.office_code == office_code, places.c.booking_code == mark)
        .values(booking_code=None)
    )


async def mark_offered(conn: AsyncConnection, entry: Any, seat: int, now: datetime) -> None:
    """The entry is offered `seat` from `now` (one more offer)."""
    await conn.execute(
        update(entries)
        .where(entries.c.office_code == entry.office_code, entries.c.entry_code == entry.entry_code)
        .values(
            status=WaitStatus.OFFERED.value,
            offered_at=now,
            seat=seat,
            offers=entries.c.offers + 1,
            updated_at=now,
        )
    )


async def release_offer(
    conn: AsyncConnection,
    entry: Any,
    new_status: WaitStatus,
    now: datetime,
    *,
    booking_code: str | None = None,
) -> bool:
    """Close an offer (passed, withdrawn or accepted); False when someone else closed it first."""
    result = await conn.execute(
        update(entries)
        .where(
            entries.c.office_code == entry.office_code,
            entries.c.entry_code == entry.entry_code,
            entries.c.status == entry.status,
            entries.c.offers == entry.offers,
        )
        .values(status=new_status.value, updated_at=now, booking_code=booking_code)
    )
    return bool(result.rowcount)


async def lapsed_offers(
    conn: AsyncConnection, offered_before: datetime, limit: int = SWEEP_LIMIT
) -> list[Row[Any]]:
    query = (
        select(entries)
        .where(entries.c.status == WaitStatus.OFFERED.value, entries.c.offered_at <= offered_before)
        .order_by(entries.c.offered_at)
        .limit(limit)
    )
    return list((await conn.execute(query)).all())


async def sessions_waited_for(conn: AsyncConnection, from_day: date) -> list[Row[Any]]:
    """Sessions someone is waiting for (from `from_day` on): the sweep checks them for free places."""
    query = (
        select(entries.c.office_code, entries.c.day, entries.c.starts, entries.c.category)
        .where(entries.c.status == WaitStatus.WAITING.value, entries.c.day >= from_day)
        .distinct()
        .limit(SWEEP_LIMIT)
    )
    return list((await conn.execute(query)).all())  # type: ignore[arg-type]


async def open_offers_count(conn: AsyncConnection) -> int:
    found = await conn.execute(
        select(func.count()).select_from(entries).where(entries.c.status == WaitStatus.OFFERED.value)
    )
    return int(found.scalar_one())
