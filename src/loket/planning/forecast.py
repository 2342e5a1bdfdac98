"""Daily demand forecasts: a negative-binomial GLM on calendar regressors, and its baselines.

The model is a log-linear count regression (statsmodels GLM) on the regressors of
`features.design`. Two things make it hold up on data it has not seen:

* closed days (holidays, closures, weekends) that the history shows as (nearly) empty are
  forecast as zero and left out of the fit instead of being fought by the regression;
* a local level: the smoothed recent log-residual is carried into the forecast and damped with
  the horizon, so a series that drifts away from its calendar shape is followed.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import statsmodels.api as sm
from scipy.stats import nbinom, norm

from loket.planning.features import CalendarSpec, design, holiday_name
from loket.planning.history import History

FloatArray = npt.NDArray[np.float64]

# A day class whose mean is under this share of an ordinary day is treated as closed.
CLOSED_SHARE = 0.05


@dataclass(frozen=True)
class ForecastSettings:
    """Tuning shared by every series (chosen once, not per series)."""

    spec: CalendarSpec = field(default_factory=CalendarSpec)
    max_train_days: int = 4 * 366
    level_halflife: float = 10.0
    level_damping: float = 0.98
    coverage: float = 0.8


@dataclass(frozen=True)
class Forecast:
    """Point forecasts with a central prediction interval (80% unless said otherwise)."""

    days: tuple[date, ...]
    mean: FloatArray
    lo: FloatArray
    hi: FloatArray

    def records(self) -> list[dict[str, object]]:
        """JSON-ready rows `{date, mean, lo80, hi80}`."""
        return [
            {"date": day.isoformat(), "mean": round(float(m), 2), "lo80": float(lo), "hi80": float(hi)}
            for day, m, lo, hi in zip(self.days, self.mean, self.lo, self.hi, strict=True)
        ]


Forecaster = Callable[[History, Sequence[date]], Forecast]


def future_days(history: History, horizon: int) -> list[date]:
    """The next `horizon` rows after the history: weekdays only when the history is so."""
    if horizon <= 0:
        raise ValueError("the horizon must be positive")
    found: list[date] = []
    day = history.days[-1]
    while len(found) < horizon:
        day += timedelta(days=1)
        if history.weekdays_only and day.weekday() >= 5:
            continue
        found.append(day)
    return found


def _day_class(day: date, spec: CalendarSpec) -> str:
    if holiday_name(day, spec) is not None:
        return "holiday"
    if day.weekday() == 5:
        return "saturday"
    if day.weekday() == 6:
        return "sunday"
    return "open"


@dataclass
class CountModel:
    """A fitted negative-binomial calendar model of one series."""

    settings: ForecastSettings
    origin: date
    columns: npt.NDArray[np.bool_]
    params: FloatArray
    cov: FloatArray
    alpha: float
    closed: frozenset[str]
    level: float
    level_var: float

    def predict(self, days: Sequence[date]) -> Forecast:
        """Forecast mean and interval for `days` after the training window."""
        spec = self.settings.spec
        x = design(days, spec, self.origin)[:, self.columns]
        eta = x @ self.params
        eta_var = np.einsum("ij,jk,ik->i", x, self.cov, x)
        steps = np.arange(1, len(days) + 1, dtype=float)
        damp = self.settings.level_damping**steps
        eta = eta + self.level * damp
        # Parameter and level uncertainty widen the negative binomial like extra dispersion.
        extra = eta_var + self.level_var * damp**2 + (1 - damp**2) * self.level_var
        mean = np.exp(np.clip(eta, -50, 50))
        lo, hi = nb_interval(mean, self.alpha + extra, self.settings.coverage)
        closed = np.array([_day_class(d, spec) in self.closed for d in days], dtype=bool)
        mean[closed] = 0.0
        lo[closed] = 0.0
        hi[closed] = 0.0
        return Forecast(tuple(days), mean, lo, hi)


def nb_interval(
    mean: FloatArray, alpha: FloatArray | float, coverage: float
) -> tuple[FloatArray, FloatArray]:
    """Central interval of a negative binomial with the given mean and dispersion."""
    tail = (1 - coverage) / 2
    alpha_arr = np.maximum(np.broadcast_to(np.asarray(alpha, dtype=float), mean.shape), 1e-8)
    size = 1.0 / alpha_arr
    prob = size / (size + np.maximum(mean, 1e-9))
    lo = nbinom.ppf(tail, size, prob).astype(float)
    hi = nbinom.ppf(1 - tail, size, prob).astype(float)
    return lo, hi


def fit(history: History, settings: ForecastSettings | None = None) -> CountModel:
    """Fit the count model on a history (the most recent `max_train_days` of it)."""
    settings = settings or ForecastSettings()
    spec = settings.spec
    if len(history) < 3 * history.season:
        raise ValueError("the history is too short to fit (three weeks at least)")
    keep_from = history.days[-1] - timedelta(days=settings.max_train_days)
    start = next(i for i, day in enumerate(history.days) if day >= keep_from)
    days = history.days[start:]
    y = np.asarray(history.counts[start:], dtype=float)
    classes = [_day_class(day, spec) for day in days]
    open_mean = float(np.mean([c for c, k in zip(y, classes, strict=True) if k == "open"] or [1.0]))
    closed = frozenset(
        kind
        for kind in ("holiday", "saturday", "sunday")
        if (vals := [c for c, k in zip(y, classes, strict=True) if k == kind])
        and float(np.mean(vals)) < CLOSED_SHARE * open_mean
    )
    # Zeros on an otherwise busy day are closures the calendar does not know (or gaps): skip them.
    use = np.array(
        [k not in closed and not (c == 0 and open_mean > 20) for c, k in zip(y, classes, strict=True)]
    )
    # Holidays seen at least twice in the fit get their own effect (Christmas is not Labor Day).
    seen = Counter(
        name
        for day, used in zip(days, use, strict=True)
        if used and (name := holiday_name(day, spec)) is not None
    )
    spec = replace(spec, holiday_names=tuple(sorted(n for n, k in seen.items() if k >= 2)))
    settings = replace(settings, spec=spec)
    origin = days[0]
    x_all = design(days, spec, origin)
    x = x_all[use]
    y_fit = y[use]
    columns = np.ones(x.shape[1], dtype=bool)
    columns[1:] = x[:, 1:].std(axis=0) > 0
    # Indicators that hold for only a handful of rows cannot be estimated; drop them.
    binary = np.all((x == 0) | (x == 1), axis=0)
    columns &= ~binary | (x.sum(axis=0) >= 3) | (np.arange(x.shape[1]) == 0)
    x = x[:, columns]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        poisson = sm.GLM(y_fit, x, family=sm.families.Poisson()).fit()
        mu = poisson.mu
        alpha = float(max(1e-4, np.mean(((y_fit - mu) ** 2 - y_fit) / np.maximum(mu, 1e-9) ** 2)))
        model = sm.GLM(y_fit, x, family=sm.families.NegativeBinomial(alpha=alpha)).fit()
    params = np.asarray(model.params, dtype=float)
    cov = np.asarray(model.cov_params(), dtype=float)
    resid = np.log((y_fit + 0.5) / (np.asarray(model.mu) + 0.5))
    level, level_var = _local_level(resid, settings.level_halflife)
    return CountModel(settings, origin, columns, params, cov, alpha, closed, level, level_var)


def _local_level(resid: FloatArray, halflife: float) -> tuple[float, float]:
    """Exponentially weighted mean of recent log-residuals, and its variance."""
    if len(resid) == 0:
        return 0.0, 0.0
    decay = 0.5 ** (1.0 / halflife)
    weights = decay ** np.arange(len(resid))[::-1]
    weights /= weights.sum()
    level = float(weights @ resid)
    level_var = float(np.var(resid) * (weights**2).sum())
    return level, level_var


def model_forecaster(settings: ForecastSettings | None = None) -> Forecaster:
    """The count model as a `Forecaster` (fit on the history, predict the given days)."""

    def run(history: History, days: Sequence[date]) -> Forecast:
        return fit(history, settings).predict(days)

    return run


def forecast(history: History, horizon: int, settings: ForecastSettings | None = None) -> Forecast:
    """Forecast the next `horizon` rows of a history."""
    return fit(history, settings).predict(future_days(history, horizon))


def seasonal_naive(history: History, days: Sequence[date], coverage: float = 0.8) -> Forecast:
    """Repeat the last week; the interval from in-sample seasonal differences."""
    m = history.season
    y = np.asarray(history.counts, dtype=float)
    steps = np.arange(len(days))
    mean = np.array([y[len(y) - m + (k % m)] for k in steps], dtype=float)
    diffs = y[m:] - y[:-m]
    sigma = float(np.std(diffs)) if len(diffs) > 1 else 0.0
    z = float(norm.ppf(0.5 + coverage / 2))
    # Each further week repeats the same origin, so the spread grows with sqrt(weeks ahead).
    spread = z * sigma * np.sqrt(steps // m + 1)
    return Forecast(tuple(days), mean, np.maximum(mean - spread, 0.0), mean + spread)


def mase_scale(train: FloatArray, season: int) -> float:
    """Mean absolute in-sample seasonal-naive error (the MASE denominator)."""
    if len(train) <= season:
        return math.nan
    return float(np.mean(np.abs(train[season:] - train[:-season])))


def mase(actual: FloatArray, predicted: FloatArray, train: FloatArray, season: int) -> float:
    """Mean absolute scaled error against the in-sample seasonal-naive error."""
    scale = mase_scale(train, season)
    if not scale or math.isnan(scale):
        return math.nan
    return float(np.mean(np.abs(actual - predicted))) / scale


def mape(actual: FloatArray, predicted: FloatArray) -> float:
    """Mean absolute percentage error over the days with a non-zero actual (in percent)."""
    mask = actual != 0
    if not mask.any():
        return math.nan
    return float(np.mean(np.abs((actual[mask] - predicted[mask]) / actual[mask]))) * 100


def coverage(actual: FloatArray, lo: FloatArray, hi: FloatArray) -> float:
    """Share of actuals inside their interval."""
    if len(actual) == 0:
        return math.nan
    return float(np.mean((actual >= lo) & (actual <= hi)))


@dataclass(frozen=True)
class Fold:
    """One rolling origin: the training rows end at `train_end`, the test rows follow."""

    train_end: int
    test_end: int


def rolling_origins(
    n: int, horizon: int, *, folds: int, step: int | None = None, min_train: int
) -> list[Fold]:
    """The last `folds` origins, `step` rows apart, each with `horizon` test rows."""
    step = step or horizon
    found: list[Fold] = []
    end = n - horizon
    while len(found) < folds and end >= min_train:
        found.append(Fold(end, end + horizon))
        end -= step
    return found[::-1]


@dataclass(frozen=True)
class Score:
    """Backtest metrics of one forecaster, averaged over folds."""

    mase: float
    mape: float
    coverage: float
    folds: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "mase": round(self.mase, 4),
            "mape": round(self.mape, 3),
            "coverage": round(self.coverage, 4),
            "folds": self.folds,
        }


def default_min_train(history: History) -> int:
    """Two years of rows when the series has them, else half of it."""
    per_year = 261 if history.weekdays_only else 365
    return min(2 * per_year, len(history) // 2)


def backtest(
    history: History,
    horizon: int,
    forecasters: dict[str, Forecaster],
    *,
    folds: int = 10,
    step: int | None = None,
    min_train: int | None = None,
) -> dict[str, Score]:
    """Rolling-origin backtest: every forecaster sees the same folds and the same MASE scale."""
    min_train = default_min_train(history) if min_train is None else min_train
    origins = rolling_origins(len(history), horizon, folds=folds, step=step, min_train=min_train)
    if not origins:
        raise ValueError("the history is too short for one fold of this horizon")
    season = history.season
    per: dict[str, list[tuple[float, float, float]]] = {name: [] for name in forecasters}
    for fold in origins:
        train = history.head(fold.train_end)
        days = history.days[fold.train_end : fold.test_end]
        actual = np.asarray(history.counts[fold.train_end : fold.test_end], dtype=float)
        for name, run in forecasters.items():
            result = run(train, days)
            per[name].append(
                (
                    mase(actual, result.mean, np.asarray(train.counts, dtype=float), season),
                    mape(actual, result.mean),
                    coverage(actual, result.lo, result.hi),
                )
            )
    return {
        name: Score(
            mase=float(np.nanmean([r[0] for r in rows])),
            mape=float(np.nanmean([r[1] for r in rows])),
            coverage=float(np.nanmean([r[2] for r in rows])),
            folds=len(rows),
        )
        for name, rows in per.items()
    }
