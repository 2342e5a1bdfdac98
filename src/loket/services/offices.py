"""Office set-up and calendar use cases: create an office, declare closures and extra days.

A write given the catalog forgets the office's cached entry once it has committed (`forget_on_commit`),
so this process's next request reads the changed office or calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from loket.domain.calendar import DayInfo, iter_days
from loket.domain.errors import Conflict, NotFound, invalid
from loket.domain.office import Office, Session, Station, check_sessions, check_timezone
from loket.services.audit import record
from loket.services.catalog import Catalog
from loket.store import offices_repo, quota_repo
from loket.store.database import Connection, Database, on_commit

MAX_CALENDAR_SPAN_DAYS = 366


@dataclass(frozen=True)
class OfficeSpec:
    """Everything needed to set up an office."""

    code: str
    name: str
    timezone: str
    address: str
    hours: dict[int, tuple[time, time]]
    sessions: list[Session]
    stations: list[Station]


def forget_on_commit(conn: Connection, catalog: Catalog | None, office_code: str) -> None:
    """Drop the office's cached entry once the transaction of `conn` commits (no catalog: nothing)."""
    if catalog is not None:
        on_commit(conn, lambda: catalog.forget(office_code))


async def create_office(db: Database, spec: OfficeSpec, *, actor: str, now: datetime) -> Office:
    """Create an office with hours, sessions and stations; Conflict when the code is taken."""
    code = spec.code.strip().upper()
    if not code.isalnum() or not 2 <= len(code) <= 8:
        raise invalid("code", "office_code", "An office code is 2 to 8 letters or digits")
    check_timezone(spec.timezone)
    sessions = check_sessions(spec.sessions)
    for weekday, (opens, closes) in spec.hours.items():
        if not 1 <= weekday <= 7 or opens >= closes:
            raise invalid("hours", "hours_invalid", "Opening hours must close after they open")
    async with db.write() as conn:
        if await offices_repo.office_exists(conn, code):
            raise Conflict("office_exists", "Office %(code)s already exists", field="code", code=code)
        await offices_repo.insert_office(conn, code, spec.name, spec.timezone, spec.address, now)
        await offices_repo.insert_hours(conn, code, spec.hours)
        await offices_repo.replace_sessions(conn, code, sessions)
        await offices_repo.insert_stations(conn, code, spec.stations)
        await record(
            conn,
            office_code=code,
            actor=actor,
            action="office.create",
            subject=code,
            detail={"name": spec.name, "timezone": spec.timezone},
            now=now,
        )
        return await offices_repo.load_office(conn, code)


async def declare_closure(
    db: Database,
    office_code: str,
    start: date,
    end: date,
    reason: str,
    *,
    actor: str,
    now: datetime,
    catalog: Catalog | None = None,
) -> None:
    """Close the office from `start` to `end` inclusive; closures may not overlap."""
    if end < start:
        raise invalid("end", "closure_order", "A closure must end on or after its first day")
    if not reason.strip():
        raise invalid("reason", "reason_missing", "Give a reason for the closure")
    async with db.write() as conn:
        await offices_repo.load_office(conn, office_code)
        if await offices_repo.closure_overlaps(conn, office_code, start, end):
            raise Conflict("closure_overlap", "This closure overlaps another", field="start")
        await offices_repo.insert_closure(conn, office_code, start, end, reason.strip())
        # No new bookings on closed days; places already booked stay until the office moves them.
        await quota_repo.remove_free_places(conn, office_code, start, end)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="calendar.closure",
            subject=start.isoformat(),
            detail={"end": end.isoformat(), "reason": reason},
            now=now,
        )
        forget_on_commit(conn, catalog, office_code)


async def remove_closure(
    db: Database, office_code: str, start: date, *, actor: str, now: datetime, catalog: Catalog | None = None
) -> None:
    """Withdraw a declared closure by its first day."""
    async with db.write() as conn:
        if not await offices_repo.delete_closure(conn, office_code, start):
            raise NotFound(
                "closure_not_found",
                "No closure starts on %(day)s",
                field="start",
                day=start.isoformat(),
            )
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="calendar.closure_removed",
            subject=start.isoformat(),
            now=now,
        )
        forget_on_commit(conn, catalog, office_code)


async def declare_extra_day(
    db: Database,
    office_code: str,
    day: date,
    reason: str,
    *,
    actor: str,
    now: datetime,
    catalog: Catalog | None = None,
) -> None:
    """Declare an extra service day (a Saturday session, an overtime day, a mall session)."""
    if not reason.strip():
        raise invalid("reason", "reason_missing", "Give a reason for the extra service day")
    async with db.write() as conn:
        await offices_repo.load_office(conn, office_code)
        if await offices_repo.extra_day_exists(conn, office_code, day):
            raise Conflict(
                "extra_day_exists",
                "%(day)s is already an extra service day",
                field="day",
                day=day.isoformat(),
            )
        await offices_repo.insert_extra_day(conn, office_code, day, reason.strip())
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="calendar.extra_day",
            subject=day.isoformat(),
            detail={"reason": reason},
            now=now,
        )
        forget_on_commit(conn, catalog, office_code)


async def calendar_days(
    db: Database, office_code: str, first: date, last: date, country: str = "ID"
) -> tuple[Office, list[DayInfo]]:
    """Each day from `first` to `last` with its service status and why."""
    if last < first:
        raise invalid("to", "range_order", "The end date lies before the start date")
    if (last - first).days >= MAX_CALENDAR_SPAN_DAYS:
        raise invalid("to", "range_too_long", "Ask for at most %(max)d days", max=MAX_CALENDAR_SPAN_DAYS)
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
        calendar = await offices_repo.load_calendar(conn, office_code, first, last, country)
    return office, [calendar.info(day) for day in iter_days(first, last)]


async def due_date(
    db: Database, office_code: str, start: date, working_days: int, country: str = "ID"
) -> date:
    """The SLA due date: the `working_days`-th service day after `start`."""
    if not 0 <= working_days <= 60:
        raise invalid("working_days", "working_days_range", "Working days must be between 0 and 60")
    async with db.read() as conn:
        await offices_repo.load_office(conn, office_code)
        calendar = await offices_repo.load_calendar(conn, office_code, country=country)
    return calendar.due_date(start, working_days)


async def list_offices(db: Database) -> list[Office]:
    """Every office, by code (read now, not cached)."""
    async with db.read() as conn:
        return await offices_repo.list_offices(conn)
