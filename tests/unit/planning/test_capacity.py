"""Quotas, stations and overtime from a forecast."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from loket.planning.capacity import (
    QUOTA_SHARES,
    Roster,
    deadlines_in,
    overtime_minutes,
    plan_capacity,
    regular_capacity,
    split_quota,
    stations_by_hour,
)
from loket.planning.forecast import Forecast
from loket.planning.simulation import OfficeModel
from loket.planning.synthetic import demo_calendar


@given(st.integers(min_value=0, max_value=5000))
def test_quota_split_sums_to_the_total(total: int) -> None:
    quota = split_quota(total)
    assert sum(quota.values()) == total
    assert set(quota) == set(QUOTA_SHARES)


def test_published_split_is_reproduced() -> None:
    assert split_quota(285) == {"regular": 200, "express": 35, "priority": 50}


def test_usual_capacity_is_about_150() -> None:
    model = OfficeModel()
    thursday = date(2017, 12, 28)
    assert 140 <= regular_capacity(model, day=thursday) <= 155
    assert overtime_minutes(model, 100, day=thursday) == 0.0
    assert regular_capacity(model, day=date(2017, 12, 29)) > regular_capacity(model, day=thursday)


def test_deadlines_are_the_days_before_long_breaks() -> None:
    calendar = demo_calendar()
    days = [date(2017, 12, 1) + timedelta(days=i) for i in range(29)]
    service = [d for d in days if calendar.is_service_day(d)]
    # 23-26 Dec (weekend, Christmas, cuti bersama) is a long break; 29 Dec ends the plan.
    assert deadlines_in(service, calendar) == [date(2017, 12, 22), date(2017, 12, 29)]


def _flat(days: list[date], level: float) -> Forecast:
    mean = np.full(len(days), level)
    return Forecast(tuple(days), mean, mean * 0.8, mean * 1.2)


def test_no_backlog_is_left_at_a_deadline() -> None:
    calendar = demo_calendar()
    days = [date(2017, 12, 11) + timedelta(days=i) for i in range(19)]
    plan = plan_capacity(OfficeModel(), _flat(days, 190.0), calendar, roster=Roster(max_overtime_hours=6))
    assert plan.shortfall == 0
    for day in plan.days:
        if day.deadline:
            assert day.backlog_after == 0
        assert day.overtime_hours <= 6
        assert sum(day.quota.values()) >= day.served - 1
    assert plan.overtime_hours > 0
    assert [d.day for d in plan.days if d.deadline] == [date(2017, 12, 22), date(2017, 12, 29)]


def test_a_light_period_needs_no_overtime() -> None:
    days = [date(2017, 3, 6) + timedelta(days=i) for i in range(5)]
    plan = plan_capacity(OfficeModel(), _flat(days, 100.0), demo_calendar())
    assert plan.overtime_hours == 0
    assert all(d.backlog_after == 0 for d in plan.days)


def test_a_short_roster_costs_overtime() -> None:
    days = [date(2017, 3, 6) + timedelta(days=i) for i in range(5)]
    absent = {date(2017, 3, 7): {"biometrics": 1}}
    plan = plan_capacity(OfficeModel(), _flat(days, 140.0), demo_calendar(), roster=Roster(absent=absent))
    tuesday = next(d for d in plan.days if d.day == date(2017, 3, 7))
    assert tuesday.stations["biometrics"] == 2
    assert plan.overtime_hours > 0


def test_stations_by_hour_cover_the_day() -> None:
    model = OfficeModel()
    hours = stations_by_hour(model, 200, {"intake": 4, "biometrics": 3, "approval": 1})
    assert "08:00" in hours and "15:00" in hours
    assert all(row["biometrics"] <= 3 for row in hours.values())
    assert hours["09:00"]["biometrics"] == 3
    assert any(key >= "16:00" for key in hours)  # 200 do not fit: the table runs into overtime
