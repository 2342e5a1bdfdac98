"""Reading and writing offices and their calendars. Repositories never commit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.calendar import Closure, HolidayTable, WorkingCalendar
from loket.domain.errors import NotFound
from loket.domain.fees import FeeSchedule, Product, Tariff
from loket.domain.office import Office, Session, Station
from loket.store.tables import (
    extra_service_days,
    fee_tariffs,
    office_closures,
    office_hours,
    office_sessions,
    offices,
    stations,
)


async def office_codes(conn: AsyncConnection) -> list[str]:
    rows = await conn.execute(select(offices.c.code).order_by(offices.c.code))
    return [r.code for r in rows]


async def load_office(conn: AsyncConnection, code: str) -> Office:
    """The office with its hours, sessions and stations; NotFound when the code is unknown."""
    row = (await conn.execute(select(offices).where(offices.c.code == code))).first()
    if row is None:
        raise NotFound("office_not_found", "Unknown office %(code)s", field="office", code=code)
    hours = {
        r.weekday: (r.opens, r.closes)
        for r in await conn.execute(select(office_hours).where(office_hours.c.office_code == code))
    }
    sessions = tuple(
        Session(r.starts, r.ends)
        for r in await conn.execute(
            select(office_sessions)
            .where(office_sessions.c.office_code == code)
            .order_by(office_sessions.c.starts)
        )
    )
    station_rows = tuple(
        Station(r.code, r.kind, r.name, r.number)
        for r in await conn.execute(
            select(stations).where(stations.c.office_code == code).order_by(stations.c.number)
        )
    )
    return Office(
        code=row.code,
        name=row.name,
        timezone=row.timezone,
        address=row.address,
        hours=hours,
        sessions=sessions,
        stations=station_rows,
    )


async def list_offices(conn: AsyncConnection) -> list[Office]:
    return [await load_office(conn, code) for code in await office_codes(conn)]


async def load_calendar(
    conn: AsyncConnection,
    office_code: str,
    first: date | None = None,
    last: date | None = None,
    country: str = "ID",
) -> WorkingCalendar:
    """The office's working calendar; closures and extra days limited to [first, last] when given."""
    closure_q = select(office_closures).where(office_closures.c.office_code == office_code)
    extra_q = select(extra_service_days).where(extra_service_days.c.office_code == office_code)
    if first is not None and last is not None:
        closure_q = closure_q.where(
            and_(office_closures.c.end_date >= first, office_closures.c.start_date <= last)
        )
        extra_q = extra_q.where(extra_service_days.c.day.between(first, last))
    closures = tuple(
        Closure(r.start_date, r.end_date, r.reason) for r in await conn.execute(closure_q)
    )
    extra = {r.day: r.reason for r in await conn.execute(extra_q)}
    return WorkingCalendar(holidays=HolidayTable(country), closures=closures, extra_days=extra)


async def load_fee_schedule(conn: AsyncConnection) -> FeeSchedule:
    rows = await conn.execute(select(fee_tariffs).where(fee_tariffs.c.active.is_(True)))
    return FeeSchedule(
        Tariff(Product(r.product), r.effective_from, int(r.amount), r.regulation) for r in rows
    )


async def replace_sessions(
    conn: AsyncConnection, office_code: str, sessions: list[Session]
) -> None:
    await conn.execute(delete(office_sessions).where(office_sessions.c.office_code == office_code))
    if sessions:
        await conn.execute(
            office_sessions.insert(),
            [{"office_code": office_code, "starts": s.starts, "ends": s.ends} for s in sessions],
        )
