"""The SimPy office against M/M/c formulas, and its faults, overtime and summaries."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from loket.planning.erlang import erlang_c, mmc_mean_queue_wait
from loket.planning.simulation import (
    Breakdown,
    Fault,
    OfficeModel,
    ServiceTime,
    Stage,
    arrival_times,
    run_day,
    simulate_day,
)


def _poisson_arrivals(rate: float, horizon: float, rng: np.random.Generator) -> np.ndarray:
    gaps = rng.exponential(1 / rate, int(rate * horizon * 1.2) + 100)
    times = np.cumsum(gaps)
    return times[times < horizon]


def test_single_stage_matches_mmc() -> None:
    # M/M/5 with lambda = 1/min and mean service 4 min: rho = 0.8, Wq = C(4, 5) * 4 / (5 - 4).
    stage = Stage("s", 5, ServiceTime(4.0, kind="exponential"))
    model = OfficeModel(stages=(stage,), opens_min=0, closes_min=0)
    waits, waited = [], []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        run = run_day(model, _poisson_arrivals(1.0, 15_000, rng), rng)
        keep = run.waits["s"][1500:]  # drop the warm-up from an empty office
        waits.append(keep.mean())
        waited.append((keep > 0).mean())
    assert np.mean(waits) == pytest.approx(mmc_mean_queue_wait(1.0, 0.25, 5), rel=0.12)
    assert np.mean(waited) == pytest.approx(erlang_c(4.0, 5), abs=0.04)


def test_tandem_second_stage_is_also_mmc() -> None:
    # Burke: the departures of an M/M/c queue are Poisson, so stage two is M/M/3 on its own.
    model = OfficeModel(
        stages=(
            Stage("a", 2, ServiceTime(1.5, kind="exponential")),
            Stage("b", 3, ServiceTime(2.4, kind="exponential")),
        ),
        opens_min=0,
        closes_min=0,
    )
    rng = np.random.default_rng(7)
    run = run_day(model, _poisson_arrivals(1.0, 20_000, rng), rng)
    assert run.waits["a"][2000:].mean() == pytest.approx(mmc_mean_queue_wait(1.0, 1 / 1.5, 2), rel=0.15)
    assert run.waits["b"][2000:].mean() == pytest.approx(mmc_mean_queue_wait(1.0, 1 / 2.4, 3), rel=0.15)


def test_fault_parsing() -> None:
    fault = Fault.parse("biometrics:10:00-13:00")
    assert (fault.stage, fault.start_min, fault.end_min, fault.stations) == ("biometrics", 600, 780, 1)
    assert Fault.parse("intake*2:08:30-09:00").stations == 2
    assert fault.label() == "biometrics:10:00-13:00"
    for bad in ("biometrics", "biometrics:13:00-10:00", "x:aa-bb"):
        with pytest.raises(ValueError):
            Fault.parse(bad)


def test_arrivals_respect_sessions_and_opening() -> None:
    model = OfficeModel()
    rng = np.random.default_rng(1)
    times = arrival_times(model, 200, rng)
    assert 170 < len(times) < 230
    assert times.min() >= model.opens_min
    assert times.max() < 15 * 60 + 60


def test_light_day_needs_no_overtime_and_a_fault_costs_time() -> None:
    model = OfficeModel()
    light = simulate_day(model, 80, day=date(2017, 12, 27), replications=20, seed=2)
    assert light.overtime_min.mean < 5
    assert light.sla_breach_probability < 0.05
    calm = simulate_day(model, 170, day=date(2017, 12, 27), replications=20, seed=2)
    broken = simulate_day(
        model, 170, day=date(2017, 12, 27), faults=[Fault.parse("biometrics:10:00-13:00")],
        replications=20, seed=2,
    )
    assert broken.overtime_min.mean > calm.overtime_min.mean + 30
    assert broken.wait_mean_min["biometrics"].mean > calm.wait_mean_min["biometrics"].mean


def test_random_breakdowns_slow_the_day() -> None:
    base = OfficeModel()
    fragile = OfficeModel(breakdowns=(Breakdown("biometrics", mtbf_min=90, mttr_min=30),))
    a = simulate_day(base, 150, replications=15, seed=4)
    b = simulate_day(fragile, 150, replications=15, seed=4)
    assert b.overtime_min.mean > a.overtime_min.mean


def test_same_seed_same_figures_and_json_shape() -> None:
    model = OfficeModel()
    a = simulate_day(model, 120, replications=5, seed=9).as_dict()
    b = simulate_day(model, 120, replications=5, seed=9).as_dict()
    assert a == b
    assert set(a["waits_min"]) == {"intake", "biometrics", "approval"}  # type: ignore[arg-type]
    assert a["queue"][0]["time"] == "08:00"  # type: ignore[index]


def test_service_time_fit_recovers_mean_and_cv() -> None:
    rng = np.random.default_rng(0)
    st = ServiceTime(9.6, cv=0.5)
    fitted = ServiceTime.fit(st.draw(rng, 20_000).tolist())
    assert fitted.mean_min == pytest.approx(9.6, rel=0.03)
    assert fitted.cv == pytest.approx(0.5, rel=0.08)


def test_a_breakdown_reads_stage_mtbf_mttr_and_the_fluid_plan_slows_the_stage() -> None:
    from loket.planning.overview import fluid_model
    from loket.planning.simulation import Breakdown, OfficeModel

    breakdown = Breakdown.parse("biometrics:120:30")
    assert (breakdown.stage, breakdown.mtbf_min, breakdown.mttr_min) == ("biometrics", 120.0, 30.0)
    assert breakdown.availability == pytest.approx(0.8)
    assert breakdown.label() == "biometrics:120:30"
    for bad in ("biometrics:120", "biometrics:x:30", "biometrics:0:30", "biometrics:120:0", "b:nan:1"):
        with pytest.raises(ValueError):
            Breakdown.parse(bad)
    model = OfficeModel(breakdowns=(breakdown,))
    slowed = fluid_model(model)
    assert slowed.stage("biometrics").service.mean_min == pytest.approx(9.6 / 0.8)
    assert slowed.stage("intake").service.mean_min == pytest.approx(6.0)
