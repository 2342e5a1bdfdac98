"""Planning benchmarks: print figures, assert nothing (timings belong here, not in tests).

  1. one simulated year of the demo office PLG (the synthetic 2017 history, ~45,000 applicants);
  2. 1,000 Monte Carlo replications of one day (28 Dec 2017, 200 booked, photo station down);
  3. a rolling-origin backtest over five years of daily (weekday) history;
  4. the baseline: a bare SimPy M/M/5 queue with as many customers as the year, and the ratio;
  5. what one supervisor planning page costs (forecast with hold-out, December plan, and a
     60-replication what-if), the work the page runs in a worker thread;
  6. `loket forecast predict` (fit and 60-row forecast): five years of daily data, cold (first
     call in the process) and warm, and the slowest of a set of awkward series; then the
     command itself end to end on the five-year file (interpreter start and imports included).

Run: .venv/bin/python bench/planning.py [--forecast-only]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Generator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from loket.planning.entry import Loaded, predict
from loket.planning.features import CalendarSpec, holidays_of_year
from loket.planning.forecast import ForecastSettings, backtest, model_forecaster, seasonal_naive
from loket.planning.history import History, history_to_csv, make_history
from loket.planning.overview import overview, what_if
from loket.planning.simulation import Fault, OfficeModel, simulate_day, simulate_period
from loket.planning.synthetic import demo_calendar, demo_spec, synthetic_history


def timed(label: str, work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    took = time.perf_counter() - started
    print(f"{label:58} {took:7.2f} s")
    return took, result


def bare_mmc_year(customers: int, servers: int = 5, seed: int = 0) -> None:
    """The plainest SimPy model: Poisson arrivals, one Resource, exponential service."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    counters = simpy.Resource(env, capacity=servers)
    gaps = rng.exponential(1.0, customers)
    service = rng.exponential(4.0, customers)  # rho = 0.8, like a busy office

    def customer(i: int) -> Generator[simpy.Event, Any, None]:
        with counters.request() as request:
            yield request
            yield env.timeout(float(service[i]))

    def source() -> Generator[simpy.Event, Any, None]:
        for i in range(customers):
            yield env.timeout(float(gaps[i]))
            env.process(customer(i))

    env.process(source())
    env.run()


def daily_series(first: date, days: int, *, level: float = 500.0, seed: int = 5) -> History:
    """A seeded daily (seven-day) count series: weekly and yearly shape, US holidays, NB noise."""
    rng = np.random.default_rng(seed)
    weekly = np.array([1.1, 1.05, 1.0, 1.0, 0.95, 0.6, 0.5])
    rows = []
    for i in range(days):
        day = first + timedelta(days=i)
        mean = level * weekly[day.weekday()] * (1 + 0.15 * np.sin(2 * np.pi * i / 365.25))
        if day in holidays_of_year(day.year, "US"):
            mean *= 0.5
        rows.append((day, float(rng.poisson(rng.gamma(50.0, mean / 50.0)))))
    return make_history(rows)


def forecast_timings() -> None:
    us = CalendarSpec("US")
    five = daily_series(date(2019, 1, 1), 5 * 365 + 1)

    def run(history: History, spec: CalendarSpec = us) -> Any:
        return predict(Loaded(history, spec, demo_calendar(), "bench"), 60)

    timed(f"6a. forecast predict, 5 years daily ({len(five)} rows), cold", lambda: run(five))
    timed("6b. the same, warm (calendar caches filled)", lambda: run(five))
    plg = synthetic_history(date(2013, 1, 1), date(2017, 12, 29))
    timed(f"6c. forecast predict, 5 years of PLG weekdays ({len(plg)} rows)", lambda: run(plg, demo_spec()))
    shift = daily_series(date(2020, 1, 1), 4 * 365)
    shift = make_history(
        [
            (d, c * (20.0 if i > 1000 else 1.0))
            for i, (d, c) in enumerate(zip(shift.days, shift.counts, strict=True))
        ]
    )
    awkward = {
        "8 weeks daily": daily_series(date(2024, 1, 1), 56),
        "84 weekdays (the 5-minute case)": plg.head(84),
        "10 months daily": daily_series(date(2024, 1, 1), 304),
        "a billion a day": daily_series(date(2021, 1, 1), 3 * 365, level=1e9),
        "twenty-fold level shift": shift,
        "10 years daily (4-year window)": daily_series(date(2014, 1, 1), 10 * 365),
    }
    slowest = ("", 0.0)
    for name, history in awkward.items():
        started = time.perf_counter()
        result = run(history)
        took = time.perf_counter() - started
        print(f"   {name:40} {took:6.2f} s  model: {result.model}")
        slowest = max(slowest, (name, took), key=lambda pair: pair[1])
    print(f"6d. slowest of the awkward series: {slowest[0]}, {slowest[1]:.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "five.csv"
        path.write_text(history_to_csv(five), encoding="utf-8")
        loket = [
            str(Path(sys.executable).with_name("loket")),
            "forecast",
            "predict",
            "--history",
            str(path),
            "--country",
            "US",
            "--horizon",
            "60",
            "--json",
        ]
        timed(
            "6e. `loket forecast predict` on the 5-year file, end to end",
            lambda: subprocess.run(loket, check=True, capture_output=True),
        )


def main() -> None:
    if "--forecast-only" in sys.argv:
        forecast_timings()
        return
    model = OfficeModel()
    year = synthetic_history(date(2017, 1, 1), date(2017, 12, 31))
    demand = {day: int(count) for day, count in zip(year.days, year.counts, strict=True) if count > 0}
    took_year, period = timed(
        f"1. one year of PLG ({len(demand)} days, {sum(demand.values()):,} booked)",
        lambda: simulate_period(model, demand, seed=1),
    )
    wait = period.mean_wait_min["biometrics"]
    print(
        f"   applicants {period.applicants:,}, overtime {period.overtime_hours:.0f} h over "
        f"{period.days_with_overtime} days, mean biometrics wait {wait:.0f} min"
    )

    fault = [Fault.parse("biometrics:10:00-13:00")]
    _, day = timed(
        "2. 1,000 replications of 28 Dec 2017 (200 booked, fault)",
        lambda: simulate_day(model, 200, day=date(2017, 12, 28), faults=fault, replications=1000, seed=2),
    )
    ot = day.overtime_min
    low, high = (ot.mean - ot.ci95) / 60, (ot.mean + ot.ci95) / 60
    print(f"   overtime {ot.mean / 60:.2f} h (95% CI {low:.2f}-{high:.2f} h)")

    five = synthetic_history(date(2013, 1, 1), date(2017, 12, 29))
    forecasters = {"model": model_forecaster(ForecastSettings(spec=demo_spec())), "naive": seasonal_naive}
    _, scores = timed(
        f"3. backtest, 5 years ({len(five)} rows), 28-day folds over the last 3 years",
        lambda: backtest(five, 28, forecasters, folds=28, min_train=2 * 261),
    )
    print(
        f"   folds {scores['model'].folds}: MASE model {scores['model'].mase:.3f}, "
        f"seasonal naive {scores['naive'].mase:.3f}"
    )

    took_bare, _ = timed(
        f"4. bare SimPy M/M/5, {period.applicants:,} customers", lambda: bare_mmc_year(period.applicants)
    )
    print(
        f"   office year / bare SimPy: {took_year / took_bare:.1f}x "
        "(three stages, sessions, no-shows, walk-ins, per-day setup)"
    )

    loaded = Loaded(synthetic_history(), demo_spec(), demo_calendar(), "synthetic")
    timed(
        "5a. planning page: forecast with hold-out + December plan",
        lambda: overview(loaded, model, date(2017, 12, 1), date(2017, 12, 29)),
    )
    timed(
        "5b. planning page: what-if, 60 replications",
        lambda: what_if(model, date(2017, 12, 28), 200, fault, replications=60),
    )
    forecast_timings()


if __name__ == "__main__":
    main()
