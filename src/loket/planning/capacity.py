"""Capacity and overtime plans: from a forecast, the stations and the roster to quotas and hours.

The arithmetic is a fluid model of the stages in series: a stage starts once the first applicant
has been through the stages before it, then works through everyone's service time on its
stations (less the station-minutes a fault takes away); the day ends when the slowest stage is
done and the last applicant has gone through the stages after it. When `c` stations finish
their last applicants, they do not finish together: on average the last one ends about
(c-1)/(2c) of a service time after a perfectly balanced finish, and that is added too.
The simulation (`simulation.py`) checks these figures with randomness and queues.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from loket.domain.calendar import WorkingCalendar
from loket.planning.erlang import required_agents
from loket.planning.forecast import Forecast
from loket.planning.simulation import Fault, OfficeModel, clock

# A published split: 285 a day = 200 regular + 35 express + 50 priority (DOMAIN.md).
QUOTA_SHARES: Mapping[str, float] = {"regular": 200 / 285, "express": 35 / 285, "priority": 50 / 285}
OVERTIME_STEP_H = 0.25
# A closed stretch this long (weekend included) is a deadline: no backlog may wait across it.
DEADLINE_BREAK_DAYS = 4


@dataclass(frozen=True)
class Roster:
    """Stations staffed per stage (default: all of the model's), less absences on some days."""

    stations: Mapping[str, int] | None = None
    absent: Mapping[date, Mapping[str, int]] = field(default_factory=dict)
    max_overtime_hours: float = 4.0

    def on(self, model: OfficeModel, day: date) -> dict[str, int]:
        """Stations on duty per stage on `day`."""
        base = {s.name: s.stations for s in model.stages} | dict(self.stations or {})
        off = self.absent.get(day, {})
        return {name: max(0, count - off.get(name, 0)) for name, count in base.items()}


def _down_minutes(stage: str, faults: Sequence[Fault], stations: int) -> float:
    return sum(
        (f.end_min - f.start_min) * min(f.stations, stations) for f in faults if f.stage == stage
    )


def _finish_minute(
    model: OfficeModel, present: float, stations: Mapping[str, int], faults: Sequence[Fault]
) -> float:
    """Fluid finishing minute of the last applicant when `present` applicants come in."""
    if present <= 0:
        return model.opens_min
    means = [s.service.mean_min for s in model.stages]
    finish = model.opens_min
    for k, stage in enumerate(model.stages):
        count = stations[stage.name]
        if count <= 0:
            return math.inf
        work = present * means[k] + _down_minutes(stage.name, faults, count)
        stagger = means[k] * (count - 1) / (2 * count)
        done = model.opens_min + sum(means[:k]) + work / count + stagger + sum(means[k + 1 :])
        finish = max(finish, done)
    return finish


def overtime_minutes(
    model: OfficeModel,
    present: float,
    *,
    day: date | None = None,
    stations: Mapping[str, int] | None = None,
    faults: Sequence[Fault] = (),
) -> float:
    """Minutes after closing needed to serve `present` applicants (0 when they fit)."""
    stations = stations or {s.name: s.stations for s in model.stages}
    return max(0.0, _finish_minute(model, present, stations, faults) - model.closes_on(day))


def regular_capacity(
    model: OfficeModel,
    *,
    day: date | None = None,
    stations: Mapping[str, int] | None = None,
    faults: Sequence[Fault] = (),
) -> float:
    """Applicants that can be served before closing (the fluid model, no overtime)."""
    stations = stations or {s.name: s.stations for s in model.stages}
    means = [s.service.mean_min for s in model.stages]
    closes = model.closes_on(day)
    best = math.inf
    for k, stage in enumerate(model.stages):
        count = stations[stage.name]
        stagger = means[k] * (count - 1) / (2 * count) if count else 0.0
        room = (closes - model.opens_min - sum(means) + means[k] - stagger) * count
        best = min(best, max(0.0, room - _down_minutes(stage.name, faults, count)) / means[k])
    return best


def overtime_rate(model: OfficeModel, stations: Mapping[str, int]) -> float:
    """Applicants per overtime hour: the slowest stage's throughput."""
    return min(60 * stations[s.name] / s.service.mean_min for s in model.stages)


def split_quota(total: int, shares: Mapping[str, float] = QUOTA_SHARES) -> dict[str, int]:
    """Split a daily quota by category shares, largest remainders first, summing to `total`."""
    raw = {name: total * share / sum(shares.values()) for name, share in shares.items()}
    quota = {name: math.floor(value) for name, value in raw.items()}
    left = total - sum(quota.values())
    for name in sorted(raw, key=lambda n: raw[n] - quota[n], reverse=True)[:left]:
        quota[name] += 1
    return quota


def stations_by_hour(
    model: OfficeModel,
    present: float,
    stations: Mapping[str, int],
    *,
    target_sl: float = 0.8,
    target_wait_min: float = 15.0,
) -> dict[str, dict[str, int]]:
    """Erlang C stations per stage for each hour until the day's work is done (capped at duty)."""
    sessions = model.sessions
    span = sum(end - start for start, end in sessions) or 1.0
    hours: dict[str, dict[str, int]] = {}
    finish = _finish_minute(model, present, stations, ())
    hour = model.opens_min
    while hour < max(model.closes_min, finish):
        covered = sum(max(0.0, min(end, hour + 60) - max(start, hour)) for start, end in sessions)
        # Applicants reach the stages in the hour they are booked for (walk-ins alike).
        arrivals = present * covered / span
        row: dict[str, int] = {}
        for stage in model.stages:
            if arrivals <= 0:
                # No new arrivals (lunch, after the last session, overtime): the queue that is
                # left is worked down with every station on duty until the fluid finish.
                row[stage.name] = stations[stage.name] if hour < finish else 0
                continue
            need = required_agents(
                arrivals, 3600, stage.service.mean_min * 60, target_sl, target_wait_min * 60
            ).agents
            row[stage.name] = min(need, stations[stage.name])
        hours[clock(hour)] = row
        hour += 60
    return hours


@dataclass(frozen=True)
class DayPlan:
    """The plan of one service day."""

    day: date
    demand: float
    demand_hi80: float
    carried_in: float
    regular_capacity: float
    overtime_hours: float
    served: float
    backlog_after: float
    quota: dict[str, int]
    stations: dict[str, int]
    stations_by_hour: dict[str, dict[str, int]]
    deadline: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat(),
            "demand": round(self.demand, 1),
            "demand_hi80": round(self.demand_hi80, 1),
            "carried_in": round(self.carried_in, 1),
            "regular_capacity": round(self.regular_capacity, 1),
            "overtime_hours": self.overtime_hours,
            "served": round(self.served, 1),
            "backlog_after": round(self.backlog_after, 1),
            "quota": self.quota,
            "quota_total": sum(self.quota.values()),
            "stations": self.stations,
            "stations_by_hour": self.stations_by_hour,
            "deadline": self.deadline,
        }


@dataclass(frozen=True)
class CapacityPlan:
    """Day plans over a period, with the deadlines they respect."""

    days: list[DayPlan]
    deadlines: list[date]
    shortfall: float

    @property
    def overtime_hours(self) -> float:
        return sum(d.overtime_hours for d in self.days)

    def as_dict(self) -> dict[str, object]:
        return {
            "overtime_hours": round(self.overtime_hours, 2),
            "deadlines": [d.isoformat() for d in self.deadlines],
            "shortfall": round(self.shortfall, 1),
            "days": [d.as_dict() for d in self.days],
        }


def deadlines_in(days: Sequence[date], calendar: WorkingCalendar) -> list[date]:
    """Service days after which the office stays shut for a long break (and the last day)."""
    found: list[date] = []
    for day in days:
        closed = 0
        probe = day + timedelta(days=1)
        while not calendar.is_service_day(probe) and closed < 30:
            closed += 1
            probe += timedelta(days=1)
        if closed >= DEADLINE_BREAK_DAYS or calendar.closure_on(day + timedelta(days=1)):
            found.append(day)
    if days and days[-1] not in found:
        found.append(days[-1])
    return found


def _quarter_up(hours: float) -> float:
    return math.ceil(hours / OVERTIME_STEP_H - 1e-9) * OVERTIME_STEP_H


def plan_capacity(
    model: OfficeModel,
    forecast: Forecast,
    calendar: WorkingCalendar,
    *,
    roster: Roster | None = None,
    faults: Mapping[date, Sequence[Fault]] | None = None,
    use_upper: bool = False,
    shares: Mapping[str, float] = QUOTA_SHARES,
) -> CapacityPlan:
    """Quotas, stations and overtime per day so that no backlog waits past a deadline.

    Demand above a day's capacity may wait for a later day, but never across a deadline; the
    overtime needed to clear a stretch is levelled over its busy days (in quarter hours).
    """
    roster = roster or Roster()
    faults = faults or {}
    demand = dict(zip(forecast.days, forecast.hi if use_upper else forecast.mean, strict=True))
    upper = dict(zip(forecast.days, forecast.hi, strict=True))
    service_days = [d for d in forecast.days if calendar.is_service_day(d)]
    deadlines = deadlines_in(service_days, calendar)
    plans: list[DayPlan] = []
    shortfall = 0.0
    backlog = 0.0
    segment: list[date] = []
    for day in service_days:
        segment.append(day)
        if day not in deadlines:
            continue
        seg_plans, backlog = _plan_segment(model, segment, demand, upper, roster, faults, backlog, shares)
        shortfall += backlog
        backlog = 0.0
        plans += seg_plans
        segment = []
    return CapacityPlan(plans, deadlines, shortfall)


def _plan_segment(
    model: OfficeModel,
    segment: list[date],
    demand: Mapping[date, float],
    upper: Mapping[date, float],
    roster: Roster,
    faults: Mapping[date, Sequence[Fault]],
    backlog_in: float,
    shares: Mapping[str, float],
) -> tuple[list[DayPlan], float]:
    """Find the smallest level of daily overtime that leaves no backlog at the segment's end."""
    cap = roster.max_overtime_hours
    level = 0.0
    while True:
        plans, left = _run_segment(model, segment, demand, upper, roster, faults, backlog_in, level, shares)
        if left <= 1e-6 or level >= cap:
            return plans, left
        level = min(cap, level + OVERTIME_STEP_H)


def _run_segment(
    model: OfficeModel,
    segment: list[date],
    demand: Mapping[date, float],
    upper: Mapping[date, float],
    roster: Roster,
    faults: Mapping[date, Sequence[Fault]],
    backlog: float,
    level: float,
    shares: Mapping[str, float],
) -> tuple[list[DayPlan], float]:
    plans: list[DayPlan] = []
    for i, day in enumerate(segment):
        stations = roster.on(model, day)
        day_faults = faults.get(day, ())
        load = backlog + demand[day]
        regular = regular_capacity(model, day=day, stations=stations, faults=day_faults)
        need_h = overtime_minutes(model, load, day=day, stations=stations, faults=day_faults) / 60
        last = i == len(segment) - 1
        # The deadline day clears everything it can; other days use the levelled overtime.
        hours = min(_quarter_up(need_h), roster.max_overtime_hours if last else level)
        if hours >= need_h - 1e-9:
            served = load
        else:
            served = min(load, regular + hours * overtime_rate(model, stations))
        carried_in = backlog
        backlog = load - served
        present_per_booking = 1 - model.no_show + model.walk_in_share
        plans.append(
            DayPlan(
                day=day,
                demand=demand[day],
                demand_hi80=upper[day],
                carried_in=carried_in,
                regular_capacity=regular,
                overtime_hours=hours,
                served=served,
                backlog_after=backlog,
                quota=split_quota(math.ceil(served / present_per_booking - 1e-9), shares),
                stations=stations,
                stations_by_hour=stations_by_hour(model, served, stations),
                deadline=last,
            )
        )
    return plans, backlog
