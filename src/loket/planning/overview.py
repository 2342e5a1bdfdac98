"""What the supervisor's planning page shows, computed in one pure call: forecast against actual
(a hold-out just before the plan, and the plan period itself where days are already known),
demand against capacity with the overtime plan, and the what-if simulation of one day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np

from loket.planning.capacity import CapacityPlan, overtime_minutes
from loket.planning.entry import make_plan, with_breakdowns
from loket.planning.forecast import Forecast
from loket.planning.forecast_entry import Loaded, predict
from loket.planning.simulation import Breakdown, Fault, OfficeModel, SimulationSummary, simulate_day

# Rows forecast just before the plan and compared with what happened (about eight weeks).
HOLDOUT_ROWS = 40


@dataclass(frozen=True)
class Overview:
    """Forecast (hold-out and plan period), actuals where known, and the capacity plan."""

    loaded: Loaded
    forecast: Forecast
    plan: CapacityPlan
    actual_rows: list[dict[str, object]]
    coverage: float | None


def _join(first: Forecast, second: Forecast) -> Forecast:
    keep = [i for i, d in enumerate(first.days) if not second.days or d < second.days[0]]
    return Forecast(
        tuple(first.days[i] for i in keep) + second.days,
        np.concatenate([first.mean[keep], second.mean]),
        np.concatenate([first.lo[keep], second.lo]),
        np.concatenate([first.hi[keep], second.hi]),
        # The plan's forecast says which model made it (the hold-out's fallback, if any, too).
        model=second.model if second.note or not first.note else first.model,
        note=second.note or first.note,
    )


def overview(
    loaded: Loaded, model: OfficeModel, first: date, last: date, *, holdout: int = HOLDOUT_ROWS
) -> Overview:
    """The plan for [first, last] and how well the forecaster did on the rows before it."""
    _, plan_forecast, plan = make_plan(model.code, first, last, loaded=loaded, model=model)
    before = loaded.history.between(date.min, first - timedelta(days=1))
    forecast = plan_forecast
    if len(before) > holdout + 60:
        trained = Loaded(before.head(len(before) - holdout), loaded.spec, loaded.calendar, loaded.source)
        forecast = _join(predict(trained, holdout), plan_forecast)
    actual = loaded.history.by_day()
    rows: list[dict[str, object]] = []
    inside = 0
    for day, mean, lo, hi in zip(forecast.days, forecast.mean, forecast.lo, forecast.hi, strict=True):
        seen = actual.get(day)
        if seen is None:
            continue
        hit = bool(lo <= seen <= hi)
        inside += hit
        rows.append(
            {
                "date": day,
                "actual": int(seen),
                "mean": round(float(mean), 1),
                "lo80": float(lo),
                "hi80": float(hi),
                "inside": hit,
            }
        )
    coverage = inside / len(rows) if rows else None
    shown = loaded.history.between(date.min, last)
    return Overview(
        Loaded(shown, loaded.spec, loaded.calendar, loaded.source), forecast, plan, rows, coverage
    )


@dataclass(frozen=True)
class WhatIf:
    """One day's simulation under a scenario, with the plan's fluid estimate beside it."""

    day: date
    arrivals: int
    faults: tuple[Fault, ...]
    summary: SimulationSummary
    planned_overtime_min: float
    breakdowns: tuple[Breakdown, ...] = ()

    @property
    def agrees(self) -> bool:
        """True when the fluid estimate lies inside the simulation's 95% interval."""
        ot = self.summary.overtime_min
        return bool(ot.mean - ot.ci95 <= self.planned_overtime_min <= ot.mean + ot.ci95)


def what_if(
    model: OfficeModel,
    day: date,
    arrivals: int,
    faults: Sequence[Fault] = (),
    *,
    replications: int,
    seed: int = 0,
    breakdowns: Sequence[Breakdown] = (),
) -> WhatIf:
    """Simulate `arrivals` bookings on `day` with stations down (scheduled faults and random
    breakdowns), and compute the plan's estimate."""
    for fault in faults:
        model.stage(fault.stage)  # an unknown stage is a mistake, not a silent no-op
    model = with_breakdowns(model, breakdowns)
    summary = simulate_day(model, arrivals, day=day, faults=faults, replications=replications, seed=seed)
    planned = overtime_minutes(fluid_model(model), model.expected_present(arrivals), day=day, faults=faults)
    return WhatIf(day, arrivals, tuple(faults), summary, planned, tuple(breakdowns))


def fluid_model(model: OfficeModel) -> OfficeModel:
    """The model the fluid plan sees: a stage with random breakdowns works only its
    availability MTBF/(MTBF+MTTR) of the time, so each applicant costs 1/availability as long."""
    if not model.breakdowns:
        return model
    stages = []
    for stage in model.stages:
        up = 1.0
        for breakdown in model.breakdowns:
            if breakdown.stage == stage.name:
                up *= breakdown.availability
        service = replace(stage.service, mean_min=stage.service.mean_min / up)
        stages.append(replace(stage, service=service))
    return replace(model, stages=tuple(stages), breakdowns=())
