"""Daily application history in the database, and the counts it is collected from.

Repositories never commit. Lock policy: a history write upserts rows keyed by (office, day);
two writers of the same office serialise on the rows they both touch (PostgreSQL row locks of
ON CONFLICT DO UPDATE, SQLite's single writer), and the last one wins, which is what a re-run
of an import or a collection means.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.booking import Status
from loket.store import dialect
from loket.store.tables import bookings, daily_applications, tickets

# Bookings that never became an application: the place went back to the pool (and may have
# been booked again by someone else, who is counted instead).
NOT_APPLICATIONS = (Status.CANCELLED.value, Status.EXPIRED.value)



async def upsert_days(
    conn: AsyncConnection,
    office_code: str,
    rows: Sequence[tuple[date, int]],
    source: str,
    now: datetime,
    *,
    keep_existing: bool = False,
) -> int:
    """Write (day, count) rows; replace rows already there unless `keep_existing`. Returns rows sent."""
    values = [
        {"office_code": office_code, "day": day, "count": count, "source": source, "updated_at": now}
        for day, count in rows
    ]
    if not values:
        return 0
    stmt = dialect.insert(conn, daily_applications)
    keys = ["office_code", "day"]
    if keep_existing:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    else:
        stmt = stmt.on_conflict_do_update(
            index_elements=keys,
            set_={"count": stmt.excluded["count"], "source": stmt.excluded.source, "updated_at": now},
        )
    # executemany: SQLAlchemy batches the rows into multi-row statements compiled once.
    await conn.execute(stmt, values)
    return len(values)


async def sources_by_day(conn: AsyncConnection, office_code: str, first: date, last: date) -> dict[date, str]:
    """{day: source} of the rows already stored in [first, last]."""
    rows = await conn.execute(
        select(daily_applications.c.day, daily_applications.c.source).where(
            daily_applications.c.office_code == office_code,
            daily_applications.c.day.between(first, last),
        )
    )
    return {r.day: r.source for r in rows}


async def history_rows(
    conn: AsyncConnection, office_code: str, first: date | None = None, last: date | None = None
) -> list[tuple[date, int, str]]:
    """(day, count, source) of the office, oldest first, optionally within [first, last]."""
    query = select(daily_applications.c.day, daily_applications.c.count, daily_applications.c.source).where(
        daily_applications.c.office_code == office_code
    )
    if first is not None:
        query = query.where(daily_applications.c.day >= first)
    if last is not None:
        query = query.where(daily_applications.c.day <= last)
    rows = await conn.execute(query.order_by(daily_applications.c.day))
    return [(day, int(count), source) for day, count, source in rows]


async def history_summary(conn: AsyncConnection, office_code: str) -> list[tuple[str, int, date, date]]:
    """(source, rows, first day, last day) per source of the office's history."""
    rows = await conn.execute(
        select(
            daily_applications.c.source,
            func.count().label("n"),
            func.min(daily_applications.c.day).label("first"),
            func.max(daily_applications.c.day).label("last"),
        )
        .where(daily_applications.c.office_code == office_code)
        .group_by(daily_applications.c.source)
        .order_by(daily_applications.c.source)
    )
    return [(r.source, int(r.n), r.first, r.last) for r in rows]


async def booking_counts(conn: AsyncConnection, office_code: str, first: date, last: date) -> dict[date, int]:
    """Applications per day in [first, last]: bookings that were not cancelled or lapsed."""
    rows = await conn.execute(
        select(bookings.c.day, func.count().label("n"))
        .where(
            bookings.c.office_code == office_code,
            bookings.c.day.between(first, last),
            bookings.c.status.not_in(NOT_APPLICATIONS),
        )
        .group_by(bookings.c.day)
    )
    return {r.day: int(r.n) for r in rows}


async def walk_in_counts(conn: AsyncConnection, office_code: str, first: date, last: date) -> dict[date, int]:
    """Walk-in tickets (no booking behind them) per day in [first, last]."""
    rows = await conn.execute(
        select(tickets.c.day, func.count().label("n"))
        .where(
            tickets.c.office_code == office_code,
            tickets.c.day.between(first, last),
            tickets.c.booking_code.is_(None),
        )
        .group_by(tickets.c.day)
    )
    return {r.day: int(r.n) for r in rows}


async def first_booking_day(conn: AsyncConnection, office_code: str) -> date | None:
    found = await conn.execute(select(func.min(bookings.c.day)).where(bookings.c.office_code == office_code))
    value: date | None = found.scalar_one_or_none()
    return value


def merge_counts(*parts: Iterable[tuple[date, int]]) -> dict[date, int]:
    """Sum several {day: count} sources."""
    total: dict[date, int] = {}
    for part in parts:
        for day, count in part:
            total[day] = total.get(day, 0) + count
    return total
