"""The service report (ISO) and the office's stage targets: gather the rows, compute in the domain.

The report's rows are read in one read transaction (the satisfaction index it carries in a second
one); the figures are computed by `domain/service_report.py`, which never touches the database.
Setting a target is one audited write.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import anyio

from loket.domain.errors import invalid
from loket.domain.service_report import ReportInput, ServiceReport, service_report
from loket.domain.service_targets import StageTarget, check_target, targets_with_defaults
from loket.services.audit import record
from loket.services.survey import ikm_between
from loket.store import offices_repo, reports_repo
from loket.store.database import Database

DEFAULT_MAX_DAYS = 366


def check_period(first: date, last: date, max_days: int = DEFAULT_MAX_DAYS) -> None:
    """A period runs forwards and spans at most `max_days` days."""
    if last < first:
        raise invalid("to", "range_order", "The end date lies before the start date")
    if (last - first).days >= max_days:
        raise invalid("to", "range_too_long", "Ask for at most %(max)d days", max=max_days)


async def build_service_report(
    db: Database,
    office_code: str,
    first: date,
    last: date,
    *,
    now: datetime,
    country: str = "ID",
    max_days: int = DEFAULT_MAX_DAYS,
) -> ServiceReport:
    """The service report of [first, last] for an office (figures: docs/reports.md)."""
    check_period(first, last, max_days)
    # Past days' figures: the read replica may serve them (LOKET_REPLICA_MAX_LAG_S behind at most).
    async with db.replica_read() as conn:
        office = await offices_repo.load_office(conn, office_code)
        start = office.local_moment(first, time(0, 0))
        end = office.local_moment(last + timedelta(days=1), time(0, 0))
        tickets = await reports_repo.tickets_for(conn, office_code, first, last)
        # A breach's causes may lie before the period: load those tickets' whole history.
        days = {t.day for t in tickets}
        visits = set(await reports_repo.visits_between(conn, office_code, start, end))
        visits |= set(await reports_repo.visits_of_days(conn, office_code, days))
        inp = ReportInput(
            office=office,
            calendar=await offices_repo.load_calendar(conn, office_code, country=country),
            first=first,
            last=last,
            now=now,
            targets=targets_with_defaults(await reports_repo.targets(conn, office_code)),
            bookings=await reports_repo.bookings_between(conn, office_code, first, last),
            tickets=tickets,
            visits=sorted(visits, key=lambda v: (v.queued_at, v.day, v.ticket)),
            moves=await reports_repo.moves_of_days(conn, office_code, days),
            station_events=await reports_repo.station_events(conn, office_code, end),
        )
    # A year of visits is seconds of arithmetic: keep it off the event loop.
    report = await anyio.to_thread.run_sync(service_report, inp)
    report.ikm = await ikm_between(db, office_code, first, last)
    return report


async def stage_targets(db: Database, office_code: str) -> dict[str, StageTarget]:
    """The office's targets per stage (its own, or the defaults)."""
    async with db.read() as conn:
        await offices_repo.load_office(conn, office_code)
        return targets_with_defaults(await reports_repo.targets(conn, office_code))


async def set_stage_target(
    db: Database,
    office_code: str,
    stage: str,
    *,
    wait_s: int | None,
    service_s: int | None,
    actor: str,
    now: datetime,
) -> StageTarget:
    """Set an office's wait and service targets for one stage (seconds; None: no target)."""
    target = check_target(stage, wait_s, service_s)
    async with db.write() as conn:
        await offices_repo.load_office(conn, office_code)
        await reports_repo.set_target(conn, office_code, stage, wait_s, service_s, actor=actor, now=now)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="reports.target",
            subject=stage,
            detail={"wait_s": wait_s, "service_s": service_s},
            now=now,
        )
    return target
