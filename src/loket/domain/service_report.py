"""The ISO service report of an office over a period, computed from plain rows. Pure.

The caller passes the rows (bookings, tickets, stage visits and transitions, station state
changes), the office, its calendar, the period and `now`; docs/reports.md says what each figure
means. Durations are in seconds, moments are UTC-aware, days are the office's local dates.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from loket.domain.calendar import iter_days
from loket.domain.calling import mean, percentile
from loket.domain.ikm import IkmReport
from loket.domain.report_facts import (
    BookingFact,
    MoveFact,
    ReportInput,
    StationEvent,
    TicketFact,
    VisitFact,
)
from loket.domain.station_time import Downtime, OvertimeDay, downtimes, overtime
from loket.domain.workflow import STATION_KIND, Stage

# The input rows live in report_facts; they are re-exported here for callers of the report.
__all__ = [
    "BookingFact",
    "Downtime",
    "MoveFact",
    "OvertimeDay",
    "ReportInput",
    "ServiceReport",
    "StationEvent",
    "TicketFact",
    "VisitFact",
    "service_report",
]

PAID_STATUSES = ("paid", "checked_in", "no_show")
# Stages whose queue is measured (a ready passport leaves the floor's queues: no visit is kept).
REPORT_STAGES = ("intake", "biometrics", "approval", "printing", "quality_check")
NOT_SERVED = ("transferred", "no_show")
CAUSES = ("incomplete_dossier", "device_down", "holiday_backlog", "other")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- Output ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationRow:
    service: str
    product: str
    applications: int
    checked_in: int
    no_show: int


@dataclass(frozen=True)
class StageRow:
    stage: str
    visits: int
    served: int
    wait_mean_s: float | None
    wait_p50_s: float | None
    wait_p90_s: float | None
    service_mean_s: float | None
    service_p50_s: float | None
    service_p90_s: float | None
    wait_target_s: int | None
    service_target_s: int | None
    wait_within_target: float | None  # share of waits at or under the target
    service_within_target: float | None
    target_default: bool


@dataclass(frozen=True)
class Breach:
    day: date
    ticket: str
    booking_code: str | None
    due_date: date
    ready_on: date | None
    stage: str
    working_days_late: int
    causes: tuple[str, ...]


@dataclass(frozen=True)
class SlaFigures:
    due: int  # applications whose due date is in the period (not rejected)
    on_time: int
    late: int
    pending: int  # not ready, due date not passed yet
    breaches: tuple[Breach, ...]

    @property
    def share(self) -> float | None:
        """On time / (on time + late); None when nothing was decided yet."""
        decided = self.on_time + self.late
        return self.on_time / decided if decided else None


@dataclass(frozen=True)
class DayRow:
    day: date
    applications: int
    check_ins: int
    no_shows: int


@dataclass
class ServiceReport:
    office_code: str
    office_name: str
    first: date
    last: date
    applications: list[ApplicationRow]
    walk_ins: int
    check_ins: int
    no_shows: int
    absent_when_called: int
    incomplete: int
    missing_documents: dict[str, int]
    stages: list[StageRow]
    sla: SlaFigures
    overtime: list[OvertimeDay]
    downtime: list[Downtime]
    days: list[DayRow]
    timezone: str = "Asia/Jakarta"
    ikm: IkmReport | None = None  # the satisfaction survey of the period, when the caller adds it

    @property
    def total_applications(self) -> int:
        """Applications of every service and product."""
        return sum(r.applications for r in self.applications)

    @property
    def overtime_hours(self) -> float:
        """Station-hours worked after closing in the period."""
        return sum(d.hours for d in self.overtime)

    @property
    def downtime_hours(self) -> float:
        """Hours stations spent down in the period."""
        return sum(d.hours for d in self.downtime)


# --- Computation ---------------------------------------------------------------------------------


def _applications(inp: ReportInput, today: date) -> tuple[list[ApplicationRow], int, list[DayRow]]:
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    per_day: dict[date, list[int]] = {d: [0, 0, 0] for d in iter_days(inp.first, inp.last)}
    no_shows = 0
    for b in inp.bookings:
        if b.status not in PAID_STATUSES or not inp.first <= b.day <= inp.last:
            continue
        cell = cells[(b.service, b.product)]
        cell[0] += 1
        per_day[b.day][0] += 1
        if b.status == "checked_in":
            cell[1] += 1
        elif b.status == "no_show" or b.day < today:
            cell[2] += 1
            per_day[b.day][2] += 1
            no_shows += 1
    for t in inp.tickets:
        if inp.first <= t.day <= inp.last:
            per_day[t.day][1] += 1
            if t.booking_code is None:
                cell = cells[("walk_in", t.product)]
                cell[0] += 1
                cell[1] += 1
                per_day[t.day][0] += 1
    rows = [ApplicationRow(s, p, *v) for (s, p), v in sorted(cells.items())]
    days = [DayRow(d, *v) for d, v in sorted(per_day.items())]
    return rows, no_shows, days


def _stage_rows(inp: ReportInput, start: datetime, end: datetime) -> list[StageRow]:
    waits: dict[str, list[float]] = defaultdict(list)
    services: dict[str, list[float]] = defaultdict(list)
    visits: Counter[str] = Counter()
    for v in inp.visits:
        if not start <= v.queued_at < end:
            continue
        visits[v.stage] += 1
        if v.called_at is not None:
            waits[v.stage].append((v.called_at - v.queued_at).total_seconds())
            if v.finished_at is not None and v.outcome not in NOT_SERVED:
                services[v.stage].append((v.finished_at - v.called_at).total_seconds())
    rows = []
    for stage in REPORT_STAGES:
        target = inp.targets[stage]
        w, s = waits[stage], services[stage]
        rows.append(
            StageRow(
                stage,
                visits[stage],
                len(s),
                mean(w),
                percentile(w, 50),
                percentile(w, 90),
                mean(s),
                percentile(s, 50),
                percentile(s, 90),
                target.wait_s,
                target.service_s,
                _within(w, target.wait_s),
                _within(s, target.service_s),
                target.default,
            )
        )
    return rows


def _within(values: list[float], target: int | None) -> float | None:
    if target is None or not values:
        return None
    return sum(1 for v in values if v <= target) / len(values)


class _Days:
    """Service days and holiday/closure days over a range, for counting with bisect, not day by day."""

    def __init__(self, inp: ReportInput, first: date, last: date) -> None:
        infos = [inp.calendar.info(day) for day in iter_days(first, last)]
        self.service = [i.day for i in infos if i.service_day]
        self.breaks = [i.day for i in infos if not i.service_day and (i.holiday or i.closure)]

    def service_between(self, after: date, until: date) -> int:
        """Service days in (after, until]."""
        return max(0, bisect_right(self.service, until) - bisect_right(self.service, after))

    def break_between(self, after: date, until: date) -> bool:
        """Whether a holiday, cuti bersama or closure falls in (after, until]."""
        return bisect_right(self.breaks, until) > bisect_right(self.breaks, after)


def _causes(
    inp: ReportInput,
    t: TicketFact,
    stop: date,
    incomplete: set[tuple[date, str]],
    visits: dict[tuple[date, str], list[VisitFact]],
    down: list[Downtime],
    days: _Days,
) -> tuple[str, ...]:
    causes = []
    if (t.day, t.ticket) in incomplete:
        causes.append("incomplete_dossier")
    kinds = {s.code: s.kind for s in inp.office.stations}
    for v in visits.get((t.day, t.ticket), []):
        kind = STATION_KIND.get(Stage(v.stage))
        until = v.finished_at or inp.now
        if any(kinds.get(d.station_code) == kind and d.start < until and v.queued_at < d.end for d in down):
            causes.append("device_down")
            break
    if days.break_between(_clock_day(inp, t), stop):
        causes.append("holiday_backlog")
    return tuple(causes) or ("other",)


def _clock_day(inp: ReportInput, t: TicketFact) -> date:
    return t.clock_started_at.astimezone(inp.office.zone).date() if t.clock_started_at else t.day


def _sla(inp: ReportInput, today: date, all_down: list[Downtime]) -> SlaFigures:
    ready: dict[tuple[date, str], datetime] = {}
    incomplete: set[tuple[date, str]] = set()
    for m in inp.moves:
        key = (m.day, m.ticket)
        if m.to_stage == "ready":
            ready[key] = min(ready.get(key, m.at), m.at)
        elif m.to_stage == "incomplete":
            incomplete.add(key)
    visits: dict[tuple[date, str], list[VisitFact]] = defaultdict(list)
    for v in inp.visits:
        visits[(v.day, v.ticket)].append(v)
    due_now = [
        t
        for t in inp.tickets
        if t.due_date is not None and t.stage != "rejected" and inp.first <= t.due_date <= inp.last
    ]
    if not due_now:
        return SlaFigures(0, 0, 0, 0, ())
    zone = inp.office.zone
    ready_on = {key: at.astimezone(zone).date() for key, at in ready.items()}
    lo = min(min(_clock_day(inp, t) for t in due_now), inp.first)
    hi = max([today, inp.last, *ready_on.values()])
    days = _Days(inp, lo, hi)
    on_time = late = pending = 0
    breaches = []
    for t in sorted(due_now, key=lambda x: (x.due_date, x.day, x.ticket)):
        assert t.due_date is not None
        done = ready_on.get((t.day, t.ticket))
        if done is not None and done <= t.due_date:
            on_time += 1
            continue
        if done is None and today <= t.due_date:
            pending += 1
            continue
        late += 1
        stop = done or today
        breaches.append(
            Breach(
                t.day,
                t.ticket,
                t.booking_code,
                t.due_date,
                done,
                t.stage,
                days.service_between(t.due_date, stop),
                _causes(inp, t, stop, incomplete, visits, all_down, days),
            )
        )
    return SlaFigures(len(due_now), on_time, late, pending, tuple(breaches))


def service_report(inp: ReportInput) -> ServiceReport:
    """Every figure of the service report for [first, last] (see docs/reports.md)."""
    office, today = inp.office, inp.office.local_today(inp.now)
    start = office.local_moment(inp.first, time(0, 0))
    end = office.local_moment(inp.last + timedelta(days=1), time(0, 0))
    applications, no_shows, days = _applications(inp, today)
    in_period = [t for t in inp.tickets if inp.first <= t.day <= inp.last]
    incomplete_keys = {(m.day, m.ticket) for m in inp.moves if m.to_stage == "incomplete"}
    documents: Counter[str] = Counter()
    incomplete = 0
    for t in in_period:
        if (t.day, t.ticket) in incomplete_keys:
            incomplete += 1
            documents.update(t.missing_documents)
    # Downtime over the tickets' whole life, for breach causes; the report lists the period's.
    everything = downtimes(inp, EPOCH, end)
    return ServiceReport(
        office_code=office.code,
        office_name=office.name,
        first=inp.first,
        last=inp.last,
        applications=applications,
        walk_ins=sum(1 for t in in_period if t.booking_code is None),
        check_ins=len(in_period),
        no_shows=no_shows,
        absent_when_called=sum(1 for t in in_period if t.queue_state == "no_show"),
        incomplete=incomplete,
        missing_documents=dict(sorted(documents.items(), key=lambda kv: (-kv[1], kv[0]))),
        stages=_stage_rows(inp, start, end),
        sla=_sla(inp, today, everything),
        overtime=overtime(inp, start, end),
        downtime=downtimes(inp, start, end),
        days=days,
        timezone=office.timezone,
    )
