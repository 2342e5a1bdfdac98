"""The supervisor's dashboard: today at a glance. Reads only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from loket.domain.ikm import IkmResult
from loket.services import floor_views
from loket.services.survey import ikm_between
from loket.store import dashboard_repo, floor_repo, offices_repo, reports_repo
from loket.store.database import Database

REVENUE_OUTCOMES = ("accepted", "reinstated")


@dataclass(frozen=True)
class Today:
    office_code: str
    office_name: str
    day: date
    appointments: dict[str, int]  # today's bookings by status
    check_ins: int
    queue: dict[str, int]  # waiting now per stage
    stations_down: list[dict[str, Any]]
    at_risk: int
    breached: int
    revenue: int  # rupiah paid today for bookings that got (or kept) their place
    payments: int
    refunds_due: int
    ikm: IkmResult | None
    ikm_respondents: int
    month: date

    @property
    def appointments_total(self) -> int:
        """Today's bookings that still hold (or used) their place."""
        return sum(n for status, n in self.appointments.items() if status not in ("expired", "cancelled"))


async def today(db: Database, office_code: str, now: datetime, country: str = "ID") -> Today:
    """Today's figures for the office, each one the head of a report."""
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
        day = office.local_today(now)
        statuses = Counter(await dashboard_repo.booking_statuses(conn, office_code, day))
        check_ins = await floor_repo.count_tickets(conn, office_code, day)
        start = office.local_moment(day, time(0, 0))
        paid = await reports_repo.payments_between(conn, office_code, start, start + timedelta(days=1))
    floor = await floor_views.stats(db, office_code, day, now, country)
    month = day.replace(day=1)
    satisfaction = await ikm_between(db, office_code, month, day)
    kept = [p for p in paid if p.outcome in REVENUE_OUTCOMES]
    return Today(
        office_code=office.code,
        office_name=office.name,
        day=day,
        appointments=dict(statuses),
        check_ins=check_ins,
        queue={s["stage"]: s["waiting_now"] for s in floor["stages"]},
        stations_down=floor["down"],
        at_risk=len(floor["sla"]["at_risk"]),
        breached=len(floor["sla"]["breached"]),
        revenue=sum(p.amount for p in kept),
        payments=len(kept),
        refunds_due=sum(p.refund_due for p in paid),
        ikm=satisfaction.result,
        ikm_respondents=satisfaction.result.respondents if satisfaction.result else 0,
        month=month,
    )
