"""Forecast metrics, baselines, rolling origins and the count model on synthetic data."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.planning.features import CalendarSpec, design, feature_names, hijri_month
from loket.planning.forecast import (
    ForecastSettings,
    backtest,
    coverage,
    fit,
    future_days,
    mape,
    mase,
    mase_scale,
    model_forecaster,
    rolling_origins,
    seasonal_naive,
)
from loket.planning.history import make_history
from loket.planning.synthetic import demo_calendar, demo_spec, synthetic_history


def test_mase_is_scaled_by_in_sample_seasonal_naive() -> None:
    train = np.array([1, 2, 3, 4, 5, 6, 7, 3, 4, 5, 6, 7, 8, 9], dtype=float)
    # Seasonal differences at lag 7 are all 2, so the scale is 2.
    assert mase_scale(train, 7) == 2.0
    assert mase(np.array([10.0, 10.0]), np.array([9.0, 13.0]), train, 7) == pytest.approx(1.0)


def test_mape_skips_zero_actuals_and_coverage_counts_inside() -> None:
    actual = np.array([0.0, 100.0, 50.0])
    assert mape(actual, np.array([5.0, 110.0, 40.0])) == pytest.approx(15.0)
    assert coverage(actual, np.array([0.0, 90.0, 60.0]), np.array([1.0, 110.0, 70.0])) == pytest.approx(2 / 3)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(min_value=0, max_value=1e4), min_size=9, max_size=60),
    shift=st.floats(min_value=-100, max_value=100),
)
def test_perfect_forecast_scores_zero_and_mase_is_shift_invariant(values: list[float], shift: float) -> None:
    train = np.array(values)
    actual = train[-5:]
    assert mase(actual, actual, train, 7) in (0.0,) or np.isnan(mase(actual, actual, train, 7))
    moved = mase(actual + shift, actual, train + shift, 7)
    plain = mase(actual + shift, actual, train, 7)
    assert (np.isnan(moved) and np.isnan(plain)) or moved == pytest.approx(plain)


def test_seasonal_naive_repeats_the_last_week() -> None:
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(14)]
    h = make_history(list(zip(days, [float(i % 7) for i in range(14)], strict=True)))
    fc = seasonal_naive(h, future_days(h, 10))
    assert list(fc.mean) == [0, 1, 2, 3, 4, 5, 6, 0, 1, 2]
    assert (fc.lo <= fc.mean).all() and (fc.mean <= fc.hi).all()


def test_future_days_skip_weekends_for_weekday_series() -> None:
    h = make_history([(date(2024, 1, 4), 1.0), (date(2024, 1, 5), 1.0)])
    assert future_days(h, 2) == [date(2024, 1, 8), date(2024, 1, 9)]


def test_rolling_origins_walk_back_from_the_end() -> None:
    folds = rolling_origins(100, 10, folds=3, min_train=50)
    assert [(f.train_end, f.test_end) for f in folds] == [(70, 80), (80, 90), (90, 100)]
    assert rolling_origins(30, 10, folds=5, min_train=15) == rolling_origins(30, 10, folds=2, min_train=15)


def test_calendar_features_know_indonesian_days() -> None:
    spec = CalendarSpec("ID")
    names = feature_names(spec)
    days = [date(2017, 6, 1), date(2017, 12, 25), date(2017, 12, 22)]
    x = design(days, spec, date(2017, 1, 1))
    assert x.shape == (3, len(names))
    row = dict(zip(names, x[0], strict=True))
    assert hijri_month(date(2017, 6, 1)) == 9 and row["ramadan"] == 1.0
    assert dict(zip(names, x[1], strict=True))["holiday"] == 1.0
    # 22 Dec 2017 is the last service day before the Christmas break (23-26 Dec).
    assert dict(zip(names, x[2], strict=True))["pre_break"] == 1.0
    assert "ramadan" not in feature_names(CalendarSpec("US"))


@pytest.fixture(scope="module")
def plg():  # type: ignore[no-untyped-def]
    return synthetic_history(date(2014, 1, 1), date(2017, 11, 30))


def test_model_interval_is_ordered_and_closed_days_are_zero(plg) -> None:  # type: ignore[no-untyped-def]
    model = fit(plg, ForecastSettings(spec=demo_spec()))
    days = future_days(plg, 25)
    fc = model.predict(days)
    assert (fc.lo <= fc.mean + 1e-9).all() and (fc.mean <= fc.hi + 1e-9).all()
    calendar = demo_calendar()
    assert not calendar.is_service_day(date(2017, 12, 25))
    for day, mean in zip(fc.days, fc.mean, strict=True):
        if not calendar.is_service_day(day):
            assert mean == 0.0
        else:
            assert 120 < mean < 320


def test_model_beats_seasonal_naive_on_the_demo_history(plg) -> None:  # type: ignore[no-untyped-def]
    scores = backtest(
        plg, 28, {"model": model_forecaster(ForecastSettings(spec=demo_spec())), "naive": seasonal_naive},
        folds=3,
    )
    assert scores["model"].folds == 3
    assert scores["model"].mase < scores["naive"].mase
    assert 0.5 <= scores["model"].coverage <= 1.0
