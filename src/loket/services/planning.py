"""Planning from the database: the office's model (stations, hours, measured service times), its
stored history, and writing a capacity plan's quotas as day overrides.

The computations themselves are pure (`loket.planning`); this module only gathers their inputs
and writes their results, each quota through `quotas.set_day_capacity` (one audited transaction).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from loket.domain.booking import Category
from loket.domain.calendar import WorkingCalendar
from loket.domain.errors import Conflict, DomainError, invalid
from loket.domain.office import Office
from loket.services import history as history_service
from loket.services.catalog import Catalog
from loket.services.quotas import set_day_capacity
from loket.settings import Settings
from loket.store import floor_repo, offices_repo
from loket.store.database import Database

if TYPE_CHECKING:
    from loket.planning.capacity import CapacityPlan
    from loket.planning.forecast_entry import Loaded
    from loket.planning.measured import FittedTimes
    from loket.planning.simulation import OfficeModel

# The stages the simulation walks through, in order; each is served by stations of its kind.
PLANNED_STAGES = ("intake", "biometrics", "approval")
# Outcomes whose visit did not serve the applicant there (the time says nothing about service).
NOT_SERVED = ("transferred", "no_show")


def _minutes(at: object) -> float:
    return float(at.hour * 60 + at.minute)  # type: ignore[attr-defined]


def office_model_of(office: Office, fitted: FittedTimes) -> OfficeModel:
    """The simulation model of an office as the database describes it."""
    from loket.planning.simulation import OfficeModel, Stage

    counts = {kind: sum(1 for s in office.stations if s.kind == kind) for kind in PLANNED_STAGES}
    for kind, count in counts.items():
        if count == 0:
            raise invalid(
                "office",
                "planning_no_station",
                "Office %(office)s has no %(kind)s station",
                office=office.code,
                kind=kind,
            )
    if not office.sessions or not office.hours:
        raise invalid(
            "office",
            "planning_no_hours",
            "Office %(office)s has no sessions or opening hours",
            office=office.code,
        )
    weekdays = sorted(wd for wd in office.hours if wd <= 5) or sorted(office.hours)
    opens, closes = office.hours[weekdays[0]]
    friday = office.hours.get(5, (opens, closes))[1]
    return OfficeModel(
        code=office.code,
        stages=tuple(Stage(kind, counts[kind], fitted.times[kind]) for kind in PLANNED_STAGES),
        opens_min=_minutes(opens),
        closes_min=_minutes(closes),
        friday_extra_min=max(0.0, _minutes(friday) - _minutes(closes)),
        sessions=tuple((_minutes(s.starts), _minutes(s.ends)) for s in office.sessions),
    )


async def measured_minutes(
    db: Database, office: Office, *, days: int, now: datetime
) -> dict[str, list[float]]:
    """Service minutes per stage measured on the office floor over the last `days` days."""
    samples: dict[str, list[float]] = defaultdict(list)
    async with db.read() as conn:
        visits = await floor_repo.visits_between(conn, office.code, now - timedelta(days=days), now)
    for v in visits:
        if v.stage in PLANNED_STAGES and v.called_at and v.finished_at and v.outcome not in NOT_SERVED:
            samples[v.stage].append((v.finished_at - v.called_at).total_seconds() / 60)
    return dict(samples)


async def office_model(
    db: Database, office_code: str, settings: Settings, *, now: datetime
) -> tuple[OfficeModel, FittedTimes]:
    """The office's model with service times fitted from the floor's measurements, or the defaults."""
    from loket.planning.measured import fit_service_times
    from loket.planning.simulation import ServiceTime

    async with db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
    defaults = {
        stage: ServiceTime(float(settings.planning_service_minutes.get(stage, 5.0)))
        for stage in PLANNED_STAGES
    }
    samples = await measured_minutes(db, office, days=settings.planning_measure_days, now=now)
    fitted = fit_service_times(samples, defaults, min_samples=settings.planning_min_samples)
    return office_model_of(office, fitted), fitted


async def stored_history(db: Database, office_code: str, *, country: str) -> Loaded:
    """The office's stored history with the calendar to forecast it on."""
    from loket.planning.features import CalendarSpec
    from loket.planning.forecast_entry import Loaded
    from loket.planning.synthetic import demo_closures

    history, label = await history_service.read_history(db, office_code)
    async with db.read() as conn:
        calendar = await offices_repo.load_calendar(conn, office_code, country=country)
    closures = calendar.closures
    if history.synthetic:
        # Synthetic rows were generated on the demo calendar, year-end closures included.
        closures = tuple(sorted(set(closures) | set(demo_closures()), key=lambda c: c.start))
    calendar = WorkingCalendar(holidays=calendar.holidays, closures=closures, extra_days=calendar.extra_days)
    return Loaded(history, CalendarSpec(country=country.upper(), closures=closures), calendar, label)


@dataclass(frozen=True)
class Inputs:
    """Everything a forecast, plan or simulation of one office needs."""

    loaded: Loaded
    model: OfficeModel
    fitted: FittedTimes


async def planning_inputs(
    db: Database, office_code: str, settings: Settings, *, now: datetime, country: str | None = None
) -> Inputs:
    """The office's history, calendar and model, read from the database."""
    code = office_code.upper()
    loaded = await stored_history(db, code, country=country or settings.holiday_country)
    model, fitted = await office_model(db, code, settings, now=now)
    return Inputs(loaded, model, fitted)


@dataclass(frozen=True)
class QuotaChange:
    """One proposed day quota and what became of it."""

    day: date
    category: str
    capacity: int
    status: str  # proposed, applied, below_booked, past, closed
    booked: int | None = None

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {
            "date": self.day.isoformat(),
            "category": self.category,
            "capacity": self.capacity,
            "status": self.status,
        }
        if self.booked is not None:
            found["booked"] = self.booked
        return found


@dataclass
class QuotaReport:
    """The proposed quotas of a plan and, after `--apply`, which were written."""

    office: str
    changes: list[QuotaChange] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for c in self.changes if c.status == status)

    def as_dict(self) -> dict[str, object]:
        return {
            "office": self.office,
            "applied": self.count("applied"),
            "refused": [c.as_dict() for c in self.changes if c.status not in ("applied", "proposed")],
            "quotas": [c.as_dict() for c in self.changes],
        }


def proposed_quotas(office_code: str, plan: CapacityPlan) -> QuotaReport:
    """The plan's quota per day and category, not yet written."""
    report = QuotaReport(office_code)
    for day_plan in plan.days:
        for category in Category:
            capacity = day_plan.quota.get(category.value)
            if capacity is not None:
                report.changes.append(QuotaChange(day_plan.day, category.value, capacity, "proposed"))
    return report


async def apply_quotas(
    db: Database, catalog: Catalog, report: QuotaReport, *, actor: str, now: datetime
) -> QuotaReport:
    """Write each proposed quota as a day override; days booked above it, past or closed are reported."""
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, report.office)
    today = office.local_today(now)
    done = QuotaReport(report.office)
    for change in report.changes:
        if change.day < today:
            done.changes.append(replace(change, status="past"))
            continue
        try:
            await set_day_capacity(
                db, catalog, report.office, change.day, change.category, change.capacity, actor=actor, now=now
            )
        except Conflict as exc:
            if exc.code != "capacity_below_booked":
                raise
            booked = int(exc.params.get("booked", 0))
            done.changes.append(replace(change, status="below_booked", booked=booked))
            continue
        except DomainError as exc:
            if exc.code != "not_a_service_day":
                raise
            done.changes.append(replace(change, status="closed"))
            continue
        done.changes.append(replace(change, status="applied"))
    catalog.forget(report.office)
    return done
