"""The story: 28 Dec 2017 at Palembang, 200 applicants, the photo station down for hours.

The plan's fluid arithmetic says how much overtime clears the day; the Monte Carlo simulation of
the same day must agree within its 95% confidence interval.
"""

from __future__ import annotations

from datetime import date

from loket.planning.capacity import overtime_minutes, regular_capacity
from loket.planning.simulation import Fault, OfficeModel, simulate_day

DAY = date(2017, 12, 28)
FAULT = Fault.parse("biometrics:10:00-13:00")


def test_plan_and_simulation_agree_on_the_overtime() -> None:
    model = OfficeModel()
    assert 140 <= regular_capacity(model, day=DAY) <= 155  # counters sized for about 150
    planned = overtime_minutes(model, model.expected_present(200), day=DAY, faults=[FAULT])
    assert 3 * 60 <= planned <= 4.5 * 60  # into the night, as in the story
    sim = simulate_day(model, 200, day=DAY, faults=[FAULT], replications=200, seed=2017)
    low = sim.overtime_min.mean - sim.overtime_min.ci95
    high = sim.overtime_min.mean + sim.overtime_min.ci95
    assert low <= planned <= high, (planned, low, high)
    assert sim.p_overtime == 1.0
    assert sim.unserved_at_close.mean > 50


def test_without_the_fault_the_day_is_shorter() -> None:
    model = OfficeModel()
    with_fault = overtime_minutes(model, 200, day=DAY, faults=[FAULT])
    without = overtime_minutes(model, 200, day=DAY)
    # One of three photo stations lost for 3 h is 180 station-minutes, 60 minutes on three.
    assert with_fault - without == 60
