"""Quotas in the database: the weekly template, opened days and their places (seats).

Lock policy (docs/locking.md): opening a day inserts its `day_quotas` rows with ON CONFLICT DO
NOTHING, and only the transaction whose insert won creates the places; changing a day's capacity
locks its `day_quotas` row, then the day's places of that category, before adding or removing
free places.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, time

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.booking import ACTIVE_STATUSES, Category
from loket.domain.office import Office
from loket.domain.quota import allocate, spread
from loket.store import dialect
from loket.store.tables import bookings, day_quotas, places, quota_templates


async def template_for(conn: AsyncConnection, office_code: str) -> dict[tuple[int, str], int]:
    """{(iso weekday, category): daily capacity}."""
    rows = await conn.execute(select(quota_templates).where(quota_templates.c.office_code == office_code))
    return {(r.weekday, r.category): r.capacity for r in rows}


async def set_template_row(
    conn: AsyncConnection, office_code: str, weekday: int, category: str, capacity: int
) -> None:
    """Set (insert or replace) one weekday's capacity for a category in the template."""
    stmt = dialect.insert(conn, quota_templates).values(
        office_code=office_code, weekday=weekday, category=category, capacity=capacity
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["office_code", "weekday", "category"], set_={"capacity": capacity}
        )
    )


async def opened_days(conn: AsyncConnection, office_code: str, first: date, last: date) -> set[date]:
    """The days in [first, last] that have their quotas and places."""
    rows = await conn.execute(
        select(day_quotas.c.day)
        .where(day_quotas.c.office_code == office_code, day_quotas.c.day.between(first, last))
        .distinct()
    )
    return {r.day for r in rows}


async def open_day(
    conn: AsyncConnection, office: Office, day: date, template: dict[tuple[int, str], int]
) -> bool:
    """Create the day's quotas and places from the template; False when it was already open."""
    created = False
    for category in Category:
        capacity = template.get((day.isoweekday(), category.value), 0)
        stmt = (
            dialect.insert(conn, day_quotas)
            .values(
                office_code=office.code, day=day, category=category.value, capacity=capacity, overridden=False
            )
            .on_conflict_do_nothing(index_elements=["office_code", "day", "category"])
            .returning(day_quotas.c.day)
        )
        if (await conn.execute(stmt)).first() is None:
            continue
        created = True
        rows = []
        for session, size in zip(office.sessions, spread(capacity, len(office.sessions)), strict=True):
            rows += [
                {
                    "office_code": office.code,
                    "day": day,
                    "starts": session.starts,
                    "category": category.value,
                    "seat": seat,
                    "booking_code": None,
                }
                for seat in range(1, size + 1)
            ]
        if rows:
            await conn.execute(places.insert(), rows)
    return created


async def session_counts(
    conn: AsyncConnection, office_code: str, first: date, last: date, category: str | None = None
) -> dict[tuple[date, time, str], tuple[int, int]]:
    """{(day, session start, category): (capacity, places left)} for opened days."""
    query = (
        select(
            places.c.day,
            places.c.starts,
            places.c.category,
            func.count().label("capacity"),
            func.count().filter(places.c.booking_code.is_(None)).label("left"),
        )
        .where(places.c.office_code == office_code, places.c.day.between(first, last))
        .group_by(places.c.day, places.c.starts, places.c.category)
    )
    if category is not None:
        query = query.where(places.c.category == category)
    return {(r.day, r.starts, r.category): (r.capacity, r.left) for r in await conn.execute(query)}


async def set_day_capacity(
    conn: AsyncConnection, office: Office, day: date, category: str, capacity: int
) -> list[int]:
    """Set a day's capacity for one category, spread over the sessions; returns per-session sizes."""
    day_row = select(day_quotas.c.capacity).where(
        day_quotas.c.office_code == office.code,
        day_quotas.c.day == day,
        day_quotas.c.category == category,
    )
    await conn.execute(dialect.locked(conn, day_row))
    scope = and_(places.c.office_code == office.code, places.c.day == day, places.c.category == category)
    # Lock the day's places of this category: a booking in flight finishes first, later ones wait.
    rows = (await conn.execute(dialect.locked(conn, select(places).where(scope)))).all()
    seats: dict[time, list[tuple[int, str | None]]] = defaultdict(list)
    for r in rows:
        seats[r.starts].append((r.seat, r.booking_code))
    booked = [sum(1 for _, code in seats[s.starts] if code is not None) for s in office.sessions]
    alloc = allocate(capacity, booked)
    for session, size in zip(office.sessions, alloc, strict=True):
        current = sorted(seats[session.starts])
        if size > len(current):
            top = max((seat for seat, _ in current), default=0)
            await conn.execute(
                places.insert(),
                [
                    {
                        "office_code": office.code,
                        "day": day,
                        "starts": session.starts,
                        "category": category,
                        "seat": top + i,
                        "booking_code": None,
                    }
                    for i in range(1, size - len(current) + 1)
                ],
            )
        elif size < len(current):
            free = [seat for seat, code in reversed(current) if code is None][: len(current) - size]
            await conn.execute(
                delete(places).where(scope, places.c.starts == session.starts, places.c.seat.in_(free))
            )
    await conn.execute(
        update(day_quotas)
        .where(
            day_quotas.c.office_code == office.code,
            day_quotas.c.day == day,
            day_quotas.c.category == category,
        )
        .values(capacity=capacity, overridden=True)
    )
    return alloc


async def remove_free_places(conn: AsyncConnection, office_code: str, first: date, last: date) -> int:
    """Withdraw the free places of closed days (booked ones stay, to be moved by the office)."""
    result = await conn.execute(
        delete(places).where(
            places.c.office_code == office_code,
            places.c.day.between(first, last),
            places.c.booking_code.is_(None),
        )
    )
    return int(result.rowcount or 0)


async def day_capacity(conn: AsyncConnection, office_code: str, day: date, category: str) -> int | None:
    """The opened day's capacity for a category; None when the day is not opened yet."""
    query = select(day_quotas.c.capacity).where(
        day_quotas.c.office_code == office_code, day_quotas.c.day == day, day_quotas.c.category == category
    )
    found = (await conn.execute(query)).scalar()
    return None if found is None else int(found)


async def booked_places(conn: AsyncConnection, office_code: str, day: date, category: str) -> int:
    """How many of the day's places of a category are taken by a booking."""
    query = (
        select(func.count())
        .select_from(places)
        .where(
            places.c.office_code == office_code,
            places.c.day == day,
            places.c.category == category,
            places.c.booking_code.is_not(None),
        )
    )
    return int((await conn.execute(query)).scalar_one())


async def bookings_in_sessions(
    conn: AsyncConnection, office_code: str, first: date, starts: Sequence[time]
) -> int:
    """Active bookings from `first` on whose session starts at one of `starts`."""
    query = (
        select(func.count())
        .select_from(bookings)
        .where(
            bookings.c.office_code == office_code,
            bookings.c.day >= first,
            bookings.c.starts.in_(list(starts)),
            bookings.c.status.in_([s.value for s in ACTIVE_STATUSES]),
        )
    )
    return int((await conn.execute(query)).scalar_one())


async def remove_session_places(
    conn: AsyncConnection, office_code: str, first: date, starts: Sequence[time]
) -> None:
    """Withdraw the places of sessions from `first` on (the sessions are being removed)."""
    await conn.execute(
        delete(places).where(
            places.c.office_code == office_code, places.c.day >= first, places.c.starts.in_(list(starts))
        )
    )


async def replace_template(
    conn: AsyncConnection, office_code: str, template: dict[tuple[int, str], int]
) -> None:
    """Make the weekly template exactly `template` (days already opened keep their capacity)."""
    await conn.execute(delete(quota_templates).where(quota_templates.c.office_code == office_code))
    if template:
        await conn.execute(
            quota_templates.insert(),
            [
                {"office_code": office_code, "weekday": wd, "category": cat, "capacity": cap}
                for (wd, cat), cap in sorted(template.items())
            ],
        )


async def booking_codes_in_sessions(
    conn: AsyncConnection, office_code: str, first: date, starts: Sequence[time], limit: int = 20
) -> list[str]:
    """Codes of active bookings from `first` on in the sessions starting at `starts` (at most `limit`)."""
    query = (
        select(bookings.c.booking_code)
        .where(
            bookings.c.office_code == office_code,
            bookings.c.day >= first,
            bookings.c.starts.in_(list(starts)),
            bookings.c.status.in_([s.value for s in ACTIVE_STATUSES]),
        )
        .order_by(bookings.c.day, bookings.c.starts, bookings.c.booking_code)
        .limit(limit)
    )
    return [r.booking_code for r in await conn.execute(query)]


async def booking_codes_on_days(
    conn: AsyncConnection, office_code: str, days: Sequence[date], limit: int = 20
) -> list[str]:
    """Codes of active bookings on `days` (at most `limit`)."""
    query = (
        select(bookings.c.booking_code)
        .where(
            bookings.c.office_code == office_code,
            bookings.c.day.in_(list(days)),
            bookings.c.status.in_([s.value for s in ACTIVE_STATUSES]),
        )
        .order_by(bookings.c.day, bookings.c.booking_code)
        .limit(limit)
    )
    return [r.booking_code for r in await conn.execute(query)]


async def remove_free_session_places(
    conn: AsyncConnection, office_code: str, first: date, starts: Sequence[time]
) -> None:
    """Withdraw the free places of sessions from `first` on; a place taken meanwhile stays (on
    PostgreSQL the DELETE waits for a booking that holds the row and re-checks it is still free)."""
    await conn.execute(
        delete(places).where(
            places.c.office_code == office_code,
            places.c.day >= first,
            places.c.starts.in_(list(starts)),
            places.c.booking_code.is_(None),
        )
    )
