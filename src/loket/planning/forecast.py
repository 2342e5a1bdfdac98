"""Daily demand forecasts: a regularised negative-binomial model on calendar regressors, its
fallback, and the baselines it is measured against.

The model is a log-linear count regression on the regressors of `features.design`, fitted with a
Gaussian prior on every coefficient (`ridge.penalised_fit`). What makes it hold on any history:

* complexity follows the evidence: yearly Fourier terms only with a year of history or more,
  their order and the prior's scale chosen by the Laplace evidence of the fit (empirical
  Bayes), never per series by hand; the weekly pattern always; each holiday a shrunk deviation
  from the shared holiday effect, so a holiday seen once moves little;
* closed days (holidays, closures, weekends) that the history shows as (nearly) empty are
  forecast as zero and left out of the fit instead of being fought by the regression;
* a local level: the smoothed recent log-residual is carried into the forecast and damped with
  the horizon, so a series that drifts away from its calendar shape is followed;
* a guard: no forecast or interval above `guard_multiple` times the busiest day of the training
  window (half as much again in the week before a long break, the one time the calendar says
  why). A fit that fails, or whose forecast would pass the guard, gives way to the weekly
  profile with a local level (`fallback.py`), and the forecast says so (`model`, `note`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
from scipy.special import betainc, gammaincinv, ndtri
from threadpoolctl import threadpool_limits

from loket.domain.msgid import N_
from loket.planning.fallback import weekly_level
from loket.planning.features import CalendarSpec, design, feature_names, holiday_name
from loket.planning.history import History
from loket.planning.ridge import FitFailed, RidgeFit, moment_alpha, penalised_fit

FloatArray = npt.NDArray[np.float64]

# A day class whose mean is under this share of an ordinary day is treated as closed.
CLOSED_SHARE = 0.05
CALENDAR_MODEL = N_("calendar")
FALLBACK_MODEL = N_("weekly profile + local level")
# The guard never goes below this many a day (a series of ones and twos may still see a five).
GUARD_FLOOR = 5.0
# How much further the guard reaches in the week before a long break (people come in before it).
BREAK_GUARD = 1.5
# From this mean on, interval bounds come from a moment-matched gamma instead of the exact
# negative-binomial quantile (whose search grows with the mean).
APPROXIMATE_FROM = 30.0
# Prior standard deviations (log scale, per unit of the column) before the chosen scale.
PRIOR_SD = {
    "trend": 0.2,
    "fourier": 0.15,
    "holiday": 1.0,
    "h:": 0.5,
    "surge": 0.3,
    "school_break": 0.2,
    "hijri": 0.2,
}
# The weekly pattern is always in and only weakly held (every week of data speaks to it).
WEEKDAY_SD = 1.0
SURGES = frozenset({"pre_holiday", "post_holiday", "pre_break", "year_end"})
HIJRI = frozenset({"ramadan", "shawwal", "umrah", "umrah_peak", "hajj"})


@dataclass(frozen=True)
class ForecastSettings:
    """Tuning shared by every series (chosen once, not per series)."""

    spec: CalendarSpec = field(default_factory=CalendarSpec)
    max_train_days: int = 4 * 366
    # The local level's half-life (rows) and damping per row ahead are chosen among these by an
    # inner backtest of the fit's residuals (`choose_level`).
    level_halflives: tuple[float, ...] = (3.0, 5.0, 10.0, 20.0, 40.0)
    level_dampings: tuple[float, ...] = (0.9, 0.95, 0.98, 1.0)
    # The fallback's level half-life (rows).
    fallback_halflife: float = 10.0
    coverage: float = 0.8
    guard_multiple: float = 2.0
    # Multipliers of PRIOR_SD among which the evidence chooses.
    prior_scales: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Forecast:
    """Point forecasts with a central prediction interval (80% unless said otherwise)."""

    days: tuple[date, ...]
    mean: FloatArray
    lo: FloatArray
    hi: FloatArray
    model: str = CALENDAR_MODEL
    note: str = ""

    def records(self) -> list[dict[str, object]]:
        """JSON-ready rows `{date, mean, lo80, hi80, model}`."""
        return [
            {
                "date": day.isoformat(),
                "mean": round(float(m), 2),
                "lo80": float(lo),
                "hi80": float(hi),
                "model": self.model,
            }
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


def yearly_orders(span_days: int, max_order: int) -> tuple[int, ...]:
    """The yearly Fourier orders worth trying on a history spanning `span_days`.

    Under a year the yearly shape cannot be told from a trend or a level shift: none. With one
    to two years, low orders only; from two years on, up to `max_order`.
    """
    if span_days < 365 or max_order <= 0:
        return (0,)
    if span_days < 730:
        return tuple(k for k in (0, 1, 2, 3) if k <= max_order)
    return tuple(sorted({k for k in (0, 2, 4, 6, 8, 10) if k <= max_order} | {max_order}))


def prior_sd(names: Sequence[str], scale: float) -> FloatArray:
    """Prior standard deviation of each column (0 for the free intercept)."""
    sd = np.zeros(len(names))
    for i, name in enumerate(names):
        if name == "const":
            continue
        if name.startswith("wd"):
            sd[i] = WEEKDAY_SD
        elif name.startswith(("sin", "cos")):
            sd[i] = PRIOR_SD["fourier"] * scale
        elif name.startswith("h:"):
            sd[i] = PRIOR_SD["h:"] * scale
        elif name in SURGES:
            sd[i] = PRIOR_SD["surge"] * scale
        elif name in HIJRI:
            sd[i] = PRIOR_SD["hijri"] * scale
        else:
            sd[i] = PRIOR_SD.get(name, 0.3) * scale
    return sd


def _order_of(name: str) -> int:
    return int(name[3:]) if name.startswith(("sin", "cos")) else 0


@dataclass(frozen=True)
class Choice:
    """The columns, yearly order and prior scale the evidence chose, with the fit."""

    order: int
    scale: float
    columns: npt.NDArray[np.bool_]
    fitted: RidgeFit


def choose(
    x: FloatArray, y: FloatArray, names: Sequence[str], settings: ForecastSettings, span: int
) -> Choice:
    """Fit every allowed (yearly order, prior scale) and keep the one of highest evidence."""
    varying = np.ones(len(names), dtype=bool)
    varying[1:] = x[:, 1:].std(axis=0) > 0
    if span < 365:
        # Under a year a straight line is mostly the part of the season seen so far; extrapolated,
        # it runs on where the season turns. The local level follows the drift instead.
        varying &= np.array([n != "trend" for n in names])
    orders = yearly_orders(span, settings.spec.fourier_order)
    # The dispersion comes from one Poisson fit of the richest model; every candidate shares it,
    # so that their evidences compare like with like.
    richest = varying & np.array([_order_of(n) <= max(orders) for n in names])
    rich_names = [n for n, keep in zip(names, richest, strict=True) if keep]
    poisson = penalised_fit(x[:, richest], y, _precision(rich_names, 1.0), 0.0)
    alpha = moment_alpha(y, poisson.mu)
    best: Choice | None = None
    failures: list[str] = []
    # Each fit starts from the previous one's coefficients (same names), a few steps away.
    previous = dict(zip(rich_names, poisson.params, strict=True))
    for order in orders:
        columns = varying & np.array([_order_of(n) <= order for n in names])
        kept = [n for n, keep in zip(names, columns, strict=True) if keep]
        for scale in settings.prior_scales:
            start = np.array([previous.get(n, 0.0) for n in kept])
            try:
                fitted = penalised_fit(x[:, columns], y, _precision(kept, scale), alpha, start=start)
            except FitFailed as exc:
                failures.append(str(exc))
                continue
            previous.update(zip(kept, fitted.params, strict=True))
            if best is None or fitted.evidence > best.fitted.evidence:
                best = Choice(order, scale, columns, fitted)
    if best is None:
        raise FitFailed(failures[0] if failures else "no model could be fitted")
    return best


def _precision(names: Sequence[str], scale: float) -> FloatArray:
    sd = prior_sd(names, scale)
    return np.where(sd > 0, 1.0 / np.maximum(sd, 1e-12) ** 2, 0.0)


@dataclass
class CountModel:
    """A fitted model of one series: the calendar model, or the fallback when that failed."""

    settings: ForecastSettings
    origin: date
    season: int
    closed: frozenset[str]
    guard: float
    # The rows the model was fitted on (open days without unexplained zeros), for the fallback.
    train_days: tuple[date, ...]
    train_y: FloatArray
    choice: Choice | None = None
    level: float = 0.0
    level_var: float = 0.0
    damping: float = 0.98
    failure: str = ""

    @property
    def order(self) -> int:
        """The yearly Fourier order chosen (0: no yearly terms)."""
        return self.choice.order if self.choice else 0

    def bounds(self, days: Sequence[date]) -> FloatArray:
        """The guard of each day: higher in the week before a long break."""
        spec = self.settings.spec
        names = feature_names(spec)
        pre_break = design(days, spec, self.origin)[:, names.index("pre_break")]
        return self.guard * np.where(pre_break > 0, BREAK_GUARD, 1.0)

    def predict(self, days: Sequence[date]) -> Forecast:
        """Forecast mean and interval for `days` after the training window."""
        spec = self.settings.spec
        closed = np.array([_day_class(d, spec) in self.closed for d in days], dtype=bool)
        bound = self.bounds(days)
        reason = self.failure
        model = CALENDAR_MODEL
        if not reason and self.choice is not None:
            eta, extra = self._calendar_eta(days)
            beyond = (~closed) & ~(eta <= np.log(bound))
            if beyond.any():
                reason = "the calendar model went past the guard"
            else:
                mean = np.exp(eta)
        if reason or self.choice is None:
            model = FALLBACK_MODEL
            mean, alpha, extra = weekly_level(
                self.train_days, self.train_y, days, season=self.season,
                halflife=self.settings.fallback_halflife,
            )
            dispersion = alpha + extra
        else:
            dispersion = self.choice.fitted.alpha + extra
        lo, hi = nb_interval(mean, dispersion, self.settings.coverage)
        mean, lo, hi = (np.clip(np.nan_to_num(v, nan=0.0, posinf=0.0), 0.0, bound) for v in (mean, lo, hi))
        lo = np.minimum(lo, mean)
        hi = np.maximum(hi, mean)
        mean[closed] = 0.0
        lo[closed] = 0.0
        hi[closed] = 0.0
        return Forecast(tuple(days), mean, lo, hi, model=model, note=reason)

    def _calendar_eta(self, days: Sequence[date]) -> tuple[FloatArray, FloatArray]:
        assert self.choice is not None
        x = design(days, self.settings.spec, self.origin)[:, self.choice.columns]
        fitted = self.choice.fitted
        eta = x @ fitted.params
        eta_var = np.einsum("ij,jk,ik->i", x, fitted.cov, x)
        steps = np.arange(1, len(days) + 1, dtype=float)
        damp = self.damping**steps
        eta = eta + self.level * damp
        # Parameter and level uncertainty widen the negative binomial like extra dispersion.
        extra = eta_var + self.level_var * damp**2 + (1 - damp**2) * self.level_var
        return eta, extra


def nb_interval(
    mean: FloatArray, alpha: FloatArray | float, coverage: float
) -> tuple[FloatArray, FloatArray]:
    """Central interval of a negative binomial with the given mean and dispersion.

    Small means take the exact quantile; from APPROXIMATE_FROM on, a gamma with the same mean
    and variance (the negative binomial's limit for large counts, skew included), rounded
    outwards to whole counts.
    """
    tail = (1 - coverage) / 2
    mean = np.nan_to_num(np.asarray(mean, dtype=float), nan=0.0, posinf=0.0)
    alpha_arr = np.clip(np.broadcast_to(np.asarray(alpha, dtype=float), mean.shape), 1e-8, 50.0)
    alpha_arr = np.nan_to_num(alpha_arr, nan=1.0)
    lo = np.zeros(mean.shape)
    hi = np.zeros(mean.shape)
    small = mean < APPROXIMATE_FROM
    if small.any():
        lo[small] = _nb_quantile(tail, mean[small], alpha_arr[small])
        hi[small] = _nb_quantile(1 - tail, mean[small], alpha_arr[small])
    large = ~small
    if large.any():
        mu = mean[large]
        var = mu + alpha_arr[large] * mu**2
        shape, scale = mu**2 / var, var / mu
        lo[large] = np.floor(gammaincinv(shape, tail) * scale)
        hi[large] = np.ceil(gammaincinv(shape, 1 - tail) * scale)
    return lo, hi


def _nb_quantile(q: float, mean: FloatArray, alpha: FloatArray) -> FloatArray:
    """Smallest k with P(X <= k) >= q for NB2(mean, alpha), means below APPROXIMATE_FROM.

    The CDF is the regularised incomplete beta I_p(size, k + 1); k runs up to Cantelli's bound
    mean + sqrt(var q / (1 - q)), where the CDF has certainly passed q. (scipy.special only:
    scipy.stats costs a second of start-up to every command.)
    """
    mean = np.maximum(mean, 1e-9)
    size = 1.0 / alpha
    prob = size / (size + mean)
    var = mean + alpha * mean**2
    top = int(np.ceil(float(np.max(mean + np.sqrt(var * q / (1 - q)))))) + 1
    ks = np.arange(top + 1, dtype=float)
    cdf = betainc(size[:, None], ks[None, :] + 1, prob[:, None])
    return np.argmax(cdf >= q - 1e-12, axis=1).astype(float)


def _smoothed(values: FloatArray, decay: float) -> FloatArray:
    """Exponential smoothing from 0: s_i = decay * s_(i-1) + (1 - decay) * v_i."""
    out = np.empty(len(values))
    current = 0.0
    for i, value in enumerate(values.tolist()):
        current = decay * current + (1 - decay) * value
        out[i] = current
    return out


def fit(history: History, settings: ForecastSettings | None = None) -> CountModel:
    """Fit the count model on a history (the most recent `max_train_days` of it)."""
    # The matrices are small (columns in tens): BLAS threads only fight each other and any other
    # work on the machine; one thread is up to ten times faster on a busy two-core server.
    with threadpool_limits(1, user_api="blas"):
        return _fit(history, settings)


def _fit(history: History, settings: ForecastSettings | None) -> CountModel:
    settings = settings or ForecastSettings()
    spec = settings.spec
    if len(history) < 3 * history.season:
        raise ValueError("the history is too short to fit (three weeks at least)")
    keep_from = history.days[-1] - timedelta(days=settings.max_train_days)
    start = next(i for i, day in enumerate(history.days) if day >= keep_from)
    days = history.days[start:]
    y = np.nan_to_num(np.asarray(history.counts[start:], dtype=float), nan=0.0, posinf=0.0)
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
    guard = settings.guard_multiple * max(float(np.max(y)) if len(y) else 0.0, GUARD_FLOOR)
    train_days = tuple(d for d, used in zip(days, use, strict=True) if used)
    model = CountModel(
        settings, days[0], history.season, closed, guard, train_days, y[use]
    )
    if len(train_days) < 2 * history.season:
        model.failure = "too few open days to fit the calendar model"
        return model
    # Every holiday seen in the fit gets its own (shrunk) deviation from the shared effect.
    seen = Counter(
        name
        for day, used in zip(days, use, strict=True)
        if used and (name := holiday_name(day, spec)) is not None
    )
    spec = replace(spec, holiday_names=tuple(sorted(seen)))
    model.settings = settings = replace(settings, spec=spec)
    x = design(list(train_days), spec, days[0])
    span = (days[-1] - days[0]).days
    try:
        choice = choose(x, y[use], feature_names(spec), settings, span)
    except FitFailed as exc:
        model.failure = f"the calendar model could not be fitted ({exc})"
        return model
    model.choice = choice
    resid = np.log((y[use] + 0.5) / (choice.fitted.mu + 0.5))
    halflife, model.damping = choose_level(resid, settings)
    model.level, model.level_var = _local_level(resid, halflife)
    return model


# Rows ahead over which the level's settings are judged (the planning horizon is weeks).
LEVEL_HORIZON = 28


def choose_level(resid: FloatArray, settings: ForecastSettings) -> tuple[float, float]:
    """Half-life and damping of the local level that best forecast the fit's own residuals.

    An inner rolling backtest on the residual series: from every row, the smoothed level damped
    h rows ahead (h = 1..28) against the residual seen there. Without yearly terms the residual
    carries the season, and this choice keeps the level instead of letting it fade.
    """
    n = len(resid)
    horizon = min(LEVEL_HORIZON, n // 3)
    if horizon < 1:
        return settings.level_halflives[0], settings.level_dampings[0]
    best: tuple[float, float, float] | None = None
    for halflife in settings.level_halflives:
        decay = 0.5 ** (1.0 / halflife)
        level = _smoothed(resid, decay)
        for damping in settings.level_dampings:
            error = 0.0
            for h in range(1, horizon + 1):
                error += float(np.mean(np.abs(resid[h:] - damping**h * level[:-h])))
            if best is None or error < best[0] - 1e-12:
                best = (error, halflife, damping)
    assert best is not None
    return best[1], best[2]


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
    z = float(ndtri(0.5 + coverage / 2))
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
