"""Offices and their calendars."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from loket.domain.office import Office
from loket.formatting import long_date
from loket.services import offices as office_service
from loket.web.api.openapi import responses
from loket.web.api.schemas import (
    CalendarDayPublic,
    CalendarPublic,
    DueDatePublic,
    OfficeHoursPublic,
    OfficePublic,
    OfficeSummary,
    SessionPublic,
    StationPublic,
)
from loket.web.dates import Day
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["offices"])
UNKNOWN_OFFICE = {404: "Unknown office"}


def office_public(office: Office) -> OfficePublic:
    return OfficePublic(
        code=office.code,
        name=office.name,
        timezone=office.timezone,
        zone=office.zone_abbreviation,
        address=office.address,
        hours=[
            OfficeHoursPublic(weekday=wd, opens=o.strftime("%H:%M"), closes=c.strftime("%H:%M"))
            for wd, (o, c) in sorted(office.hours.items())
        ],
        sessions=[
            SessionPublic(session=s.name, ends=s.ends.strftime("%H:%M")) for s in office.sessions
        ],
        stations=[
            StationPublic(code=s.code, kind=s.kind, name=s.name, number=s.number)
            for s in office.stations
        ],
    )


@router.get("/offices", response_model=list[OfficeSummary], summary="All offices")
async def list_offices(db: DbDep, catalog: CatalogDep) -> list[OfficeSummary]:
    found = await catalog.offices(db)
    return [
        OfficeSummary(code=o.code, name=o.name, timezone=o.timezone, zone=o.zone_abbreviation)
        for o in found
    ]


@router.get(
    "/offices/{code}",
    response_model=OfficePublic,
    summary="One office with hours, sessions, stations",
    responses=responses(404, described=UNKNOWN_OFFICE),
)
async def get_office(code: str, db: DbDep, catalog: CatalogDep) -> OfficePublic:
    return office_public((await catalog.get(db, code.upper())).office)


@router.get(
    "/offices/{code}/calendar",
    response_model=CalendarPublic,
    summary="Service days with holidays, closures and extra days named",
    responses=responses(404, 422, described={**UNKNOWN_OFFICE, 422: "Bad range"}),
)
async def office_calendar(
    code: str,
    db: DbDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
    from_: Annotated[Day | None, Query(alias="from", description="First day (YYYY-MM-DD)")] = None,
    to: Annotated[Day | None, Query(description="Last day (YYYY-MM-DD)")] = None,
) -> CalendarPublic:
    first = from_ or now.date()
    last = to or first + timedelta(days=30)
    office, days = await office_service.calendar_days(
        db, code.upper(), first, last, settings.holiday_country
    )
    return CalendarPublic(
        office=office.code,
        days=[
            CalendarDayPublic(
                date=d.day,
                label=long_date(d.day, locale),
                service_day=d.service_day,
                weekend=d.weekend,
                holiday=d.holiday,
                closure=d.closure,
                extra=d.extra,
            )
            for d in days
        ],
    )


@router.get(
    "/offices/{code}/due-date",
    response_model=DueDatePublic,
    summary="SLA due date: the Nth working day after a start date (start not counted)",
    responses=responses(404, 422, described=UNKNOWN_OFFICE),
)
async def office_due_date(
    code: str,
    db: DbDep,
    locale: LocaleDep,
    settings: SettingsDep,
    start: Annotated[Day, Query(description="Start date (YYYY-MM-DD), not counted")],
    working_days: Annotated[int, Query(description="Working days after the start")] = 4,
) -> DueDatePublic:
    due = await office_service.due_date(
        db, code.upper(), start, working_days, settings.holiday_country
    )
    return DueDatePublic(
        office=code.upper(),
        start=start,
        working_days=working_days,
        due_date=due,
        label=long_date(due, locale),
    )
