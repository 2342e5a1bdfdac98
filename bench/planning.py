"""Planning benchmarks: print figures, assert nothing (timings belong here, not in tests).

  1. one simulated year of the demo office PLG (the synthetic 2017 history, ~45,000 applicants);
  2. 1,000 Monte Carlo replications of one day (28 Dec 2017, 200 booked, photo station down);
  3. a rolling-origin backtest over five years of daily (weekday) history;
  4. the baseline: a bare SimPy M/M/5 queue with as many customers as the year, and the ratio;
  5. what one supervisor planning page costs (forecast with hold-out, December plan, and a
     60-replication what-if), the work the page runs in a worker thread.

Run: .venv/bin/python bench/planning.py
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from datetime import date
from typing import Any

import numpy as np
import simpy

from loket.planning.entry import Loaded
from loket.planning.forecast import ForecastSettings, backtest, model_forecaster, seasonal_naive
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


def main() -> None:
    model = OfficeModel()
    year = synthetic_history(date(2017, 1, 1), date(2017, 12, 31))
    demand = {day: int(count) for day, count in zip(year.days, year.counts, strict=True) if count > 0}
    took_year, period = timed(
        f"1. one year of PLG ({len(demand)} days, {sum(demand.values()):,} booked)",
        lambda: simulate_period(model, demand, seed=1),
    )
    wait = period.mean_wait_min["biometrics"]
    print(f"   applicants {period.applicants:,}, overtime {period.overtime_hours:.0f} h over "
          f"{period.days_with_overtime} days, mean biometrics wait {wait:.0f} min")

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
    print(f"   folds {scores['model'].folds}: MASE model {scores['model'].mase:.3f}, "
          f"seasonal naive {scores['naive'].mase:.3f}")

    took_bare, _ = timed(
        f"4. bare SimPy M/M/5, {period.applicants:,} customers", lambda: bare_mmc_year(period.applicants)
    )
    print(f"   office year / bare SimPy: {took_year / took_bare:.1f}x "
          "(three stages, sessions, no-shows, walk-ins, per-day setup)")

    loaded = Loaded(synthetic_history(), demo_spec(), demo_calendar(), "synthetic")
    timed("5a. planning page: forecast with hold-out + December plan",
          lambda: overview(loaded, model, date(2017, 12, 1), date(2017, 12, 29)))
    timed("5b. planning page: what-if, 60 replications",
          lambda: what_if(model, date(2017, 12, 28), 200, fault, replications=60))


if __name__ == "__main__":
    main()
