"""Waiting lists in the database: entries, offers and the places reserved for them.

Lock policy (docs/locking.md, "Waiting list"): a freed place is reserved for the next waiting
person in the transaction that frees it, by one conditional UPDATE of the `places` row
(`booking_code IS NULL` -> the entry's hold mark). The next person is chosen with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two transactions freeing places of the same session
offer them to two different people and never wait on each other. Repositories never commit.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.waitlist import WaitStatus, hold_mark
from loket.notify import events
from loket.services.audit import record
from loket.store import booking_repo, dialect
from loket.store.tables import offices, places
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


async def _next_waiting(
    conn: AsyncConnection, office_code: str, day: date, starts: time, category: str
) -> Row[Any] | None:
    query = (
        select(entries)
        .where(_session(office_code, day, starts, category), entries.c.status == WaitStatus.WAITING.value)
        .order_by(entries.c.joined_at, entries.c.seq)
        .limit(1)
    )
    # Skip a person another transaction is offering a place to right now: they get that one.
    query = dialect.locked(conn, query, skip_locked=True)
    return (await conn.execute(query)).first()


async def _office_today(conn: AsyncConnection, office_code: str, now: datetime) -> date:
    from zoneinfo import ZoneInfo

    tz = (await conn.execute(select(offices.c.timezone).where(offices.c.code == office_code))).scalar_one()
    return now.astimezone(ZoneInfo(tz)).date()


async def _make_offer(conn: AsyncConnection, entry: Any, seat: int, now: datetime) -> None:
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
    await events.waitlist_offer(conn, entry, entry.offers + 1, now)
    await record(
        conn,
        office_code=entry.office_code,
        actor="system",
        action="waitlist.offer",
        subject=entry.entry_code,
        detail={"day": entry.day.isoformat(), "session": entry.starts.strftime("%H:%M"), "seat": seat},
        now=now,
    )


async def place_freed(
    conn: AsyncConnection,
    office_code: str,
    day: date,
    starts: time,
    category: str,
    seat: int | None,
    now: datetime,
    *,
    holder: str | None = None,
) -> str | None:
    """A place was just freed in this transaction: reserve it for the next waiting person and offer it.

    `holder` is what `places.booking_code` holds now (None once freed; a hold mark when an offer
    passes on). Returns the entry code offered, or None when nobody waits or the day is too near.
    """
    if seat is None or day <= await _office_today(conn, office_code, now):
        return None
    entry = await _next_waiting(conn, office_code, day, starts, category)
    if entry is None:
        return None
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
        .values(booking_code=hold_mark(entry.entry_code))
    )
    if not reserved.rowcount:
        return None  # taken again already (e.g. the same transaction booked it)
    await _make_offer(conn, entry, seat, now)
    return str(entry.entry_code)


async def offer_free_places(
    conn: AsyncConnection, office_code: str, day: date, starts: time, category: str, now: datetime
) -> int:
    """Offer the session's free places to the people waiting for it, one place each (quota raised, sweep)."""
    if day <= await _office_today(conn, office_code, now):
        return 0
    offered = 0
    while True:
        entry = await _next_waiting(conn, office_code, day, starts, category)
        if entry is None:
            return offered
        seat = await booking_repo.claim_seat(
            conn, office_code, day, starts, category, hold_mark(entry.entry_code)
        )
        if seat is None:
            return offered
        await _make_offer(conn, entry, seat, now)
        offered += 1


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


async def hand_on(conn: AsyncConnection, entry: Any, now: datetime) -> str | None:
    """The place reserved for `entry` goes to the next waiting person, or back to the pool."""
    mark = hold_mark(entry.entry_code)
    offered = await place_freed(
        conn, entry.office_code, entry.day, entry.starts, entry.category, entry.seat, now, holder=mark
    )
    if offered is None:
        await conn.execute(
            update(places)
            .where(places.c.office_code == entry.office_code, places.c.booking_code == mark)
            .values(booking_code=None)
        )
    return offered


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
