"""Reading and writing offices and their calendars. Repositories never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.calendar import Closure, HolidayTable, WorkingCalendar
from loket.domain.errors import NotFound
from loket.domain.fees import FeeSchedule, Product, Tariff
from loket.domain.office import Office, Session, Station
from loket.store.tables import (
    extra_service_days,
    fee_tariffs,
    holiday_overrides,
    office_closures,
    office_hours,
    office_sessions,
    offices,
    stations,
)


async def office_codes(conn: AsyncConnection) -> list[str]:
    """Every office's code, sorted."""
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
    """Every office, by code."""
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
    closures = tuple(Closure(r.start_date, r.end_date, r.reason) for r in await conn.execute(closure_q))
    extra = {r.day: r.reason for r in await conn.execute(extra_q)}
    return WorkingCalendar(holidays=await holiday_table(conn, country), closures=closures, extra_days=extra)


async def holiday_table(conn: AsyncConnection, country: str = "ID") -> HolidayTable:
    """The national holidays: the package's, with the directorate's overrides applied on top."""
    rows = list(await conn.execute(select(holiday_overrides)))
    return HolidayTable(
        country,
        declared={r.day: r.name for r in rows if r.day_off},
        cancelled=frozenset(r.day for r in rows if not r.day_off),
    )


async def load_fee_schedule(conn: AsyncConnection) -> FeeSchedule:
    """The national fee schedule from the active tariffs."""
    rows = await conn.execute(select(fee_tariffs).where(fee_tariffs.c.active.is_(True)))
    return FeeSchedule(
        Tariff(Product(r.product), r.effective_from, int(r.amount), r.regulation) for r in rows
    )


async def replace_sessions(conn: AsyncConnection, office_code: str, sessions: list[Session]) -> None:
    """Replace the office's sessions by `sessions`."""
    await conn.execute(delete(office_sessions).where(office_sessions.c.office_code == office_code))
    if sessions:
        await conn.execute(
            office_sessions.insert(),
            [{"office_code": office_code, "starts": s.starts, "ends": s.ends} for s in sessions],
        )


async def has_offices(conn: AsyncConnection) -> bool:
    """True when at least one office is set up."""
    return (await conn.execute(select(offices.c.code).limit(1))).first() is not None


async def office_exists(conn: AsyncConnection, code: str) -> bool:
    """True when an office has this code."""
    return (await conn.execute(select(offices.c.code).where(offices.c.code == code))).first() is not None


async def insert_office(
    conn: AsyncConnection, code: str, name: str, timezone: str, address: str, now: datetime
) -> None:
    """Store a new office (its hours, sessions and stations are stored apart)."""
    await conn.execute(
        offices.insert().values(code=code, name=name, timezone=timezone, address=address, created_at=now)
    )


async def insert_hours(conn: AsyncConnection, office_code: str, hours: dict[int, tuple[time, time]]) -> None:
    """Opening hours of a new office, per ISO weekday."""
    if hours:
        await conn.execute(
            office_hours.insert(),
            [
                {"office_code": office_code, "weekday": wd, "opens": o, "closes": c}
                for wd, (o, c) in sorted(hours.items())
            ],
        )


async def set_weekday_hours(
    conn: AsyncConnection, office_code: str, weekday: int, span: tuple[time, time] | None
) -> None:
    """Replace one weekday's opening hours (None: closed that weekday)."""
    await conn.execute(
        delete(office_hours).where(
            office_hours.c.office_code == office_code, office_hours.c.weekday == weekday
        )
    )
    if span is not None:
        await conn.execute(
            office_hours.insert().values(
                office_code=office_code, weekday=weekday, opens=span[0], closes=span[1]
            )
        )


async def insert_stations(conn: AsyncConnection, office_code: str, found: Sequence[Station]) -> None:
    """Add counters and stations to the office."""
    if found:
        await conn.execute(
            stations.insert(),
            [
                {
                    "office_code": office_code,
                    "code": s.code,
                    "kind": s.kind,
                    "name": s.name,
                    "number": s.number,
                }
                for s in found
            ],
        )


async def delete_station(conn: AsyncConnection, office_code: str, code: str) -> None:
    """Remove a station from the office."""
    await conn.execute(delete(stations).where(stations.c.office_code == office_code, stations.c.code == code))


async def closure_overlaps(conn: AsyncConnection, office_code: str, start: date, end: date) -> bool:
    """True when a declared closure shares a day with [start, end]."""
    query = select(office_closures.c.start_date).where(
        office_closures.c.office_code == office_code,
        office_closures.c.start_date <= end,
        office_closures.c.end_date >= start,
    )
    return (await conn.execute(query)).first() is not None


async def insert_closure(
    conn: AsyncConnection, office_code: str, start: date, end: date, reason: str
) -> None:
    """Store a closure from `start` to `end` inclusive."""
    await conn.execute(
        office_closures.insert().values(
            office_code=office_code, start_date=start, end_date=end, reason=reason
        )
    )


async def delete_closure(conn: AsyncConnection, office_code: str, start: date) -> bool:
    """Withdraw the closure starting on `start`; False when there is none."""
    result = await conn.execute(
        delete(office_closures).where(
            office_closures.c.office_code == office_code, office_closures.c.start_date == start
        )
    )
    return bool(result.rowcount)


async def extra_day_exists(conn: AsyncConnection, office_code: str, day: date) -> bool:
    """True when `day` is already an extra service day of the office."""
    query = select(extra_service_days.c.day).where(
        extra_service_days.c.office_code == office_code, extra_service_days.c.day == day
    )
    return (await conn.execute(query)).first() is not None


async def insert_extra_day(conn: AsyncConnection, office_code: str, day: date, reason: str) -> None:
    """Store an extra service day."""
    await conn.execute(extra_service_days.insert().values(office_code=office_code, day=day, reason=reason))


async def tariff_keys(conn: AsyncConnection) -> set[tuple[str, date]]:
    """(product, effective from) of every stored fee tariff, active or not."""
    rows = await conn.execute(select(fee_tariffs.c.product, fee_tariffs.c.effective_from))
    return {(r.product, r.effective_from) for r in rows}


async def insert_tariffs(conn: AsyncConnection, tariffs: Sequence[Tariff]) -> None:
    """Store fee tariffs (active)."""
    if tariffs:
        await conn.execute(
            fee_tariffs.insert(),
            [
                {
                    "product": t.product.value,
                    "effective_from": t.effective_from,
                    "amount": t.amount,
                    "regulation": t.regulation,
                    "active": True,
                }
                for t in tariffs
            ],
        )


# --- Office files (services/office_files.py): the whole office, compared and replaced ----------


async def closures_of(conn: AsyncConnection, office_code: str) -> list[Closure]:
    """Every closure of the office, by first day."""
    query = (
        select(office_closures)
        .where(office_closures.c.office_code == office_code)
        .order_by(office_closures.c.start_date)
    )
    return [Closure(r.start_date, r.end_date, r.reason) for r in await conn.execute(query)]


async def extra_days_of(conn: AsyncConnection, office_code: str) -> dict[date, str]:
    """Every extra service day of the office."""
    query = (
        select(extra_service_days)
        .where(extra_service_days.c.office_code == office_code)
        .order_by(extra_service_days.c.day)
    )
    return {r.day: r.reason for r in await conn.execute(query)}


async def delete_extra_day(conn: AsyncConnection, office_code: str, day: date) -> None:
    await conn.execute(
        delete(extra_service_days).where(
            extra_service_days.c.office_code == office_code, extra_service_days.c.day == day
        )
    )


async def update_office(conn: AsyncConnection, code: str, name: str, timezone: str, address: str) -> None:
    """Change an office's name, zone and address."""
    await conn.execute(
        update(offices).where(offices.c.code == code).values(name=name, timezone=timezone, address=address)
    )


async def update_station(conn: AsyncConnection, office_code: str, station: Station) -> None:
    """Change a station's stage, name and number."""
    await conn.execute(
        update(stations)
        .where(stations.c.office_code == office_code, stations.c.code == station.code)
        .values(kind=station.kind, name=station.name, number=station.number)
    )


async def insert_tariff(conn: AsyncConnection, tariff: Tariff, proof: str | None) -> None:
    """Store one fee tariff (active), with what the officer must see to grant it."""
    await conn.execute(
        fee_tariffs.insert().values(
            product=tariff.product.value,
            effective_from=tariff.effective_from,
            amount=tariff.amount,
            regulation=tariff.regulation,
            active=True,
            proof=proof,
        )
    )


async def tariff_rows(conn: AsyncConnection) -> list[Any]:
    """Every stored tariff (active or not), by product and date."""
    query = select(fee_tariffs).order_by(fee_tariffs.c.product, fee_tariffs.c.effective_from)
    return list(await conn.execute(query))
