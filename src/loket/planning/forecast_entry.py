"""The forecast entry points (a history loaded with its calendar, forecast, backtest), apart
from `entry`: `loket forecast` imports only these, not the simulation, Erlang C and SciPy's
staffing functions that the rest of `entry` needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from loket.domain.calendar import HolidayTable, WorkingCalendar
from loket.planning.features import CalendarSpec
from loket.planning.forecast import (
    Forecast,
    ForecastSettings,
    backtest,
    fit,
    future_days,
    model_forecaster,
    seasonal_naive,
)
from loket.planning.history import History, read_history_csv
from loket.planning.synthetic import DEMO_OFFICE, SYNTHETIC_LABEL, demo_calendar, demo_spec, synthetic_history


@dataclass(frozen=True)
class Loaded:
    """A history with the calendar settings that go with it and where it came from."""

    history: History
    spec: CalendarSpec
    calendar: WorkingCalendar
    source: str


def load_history(path: Path | str | None, *, office: str = DEMO_OFFICE, country: str = "ID") -> Loaded:
    """A CSV history, or (without a file, for now) the demo office's synthetic history."""
    if path is not None:
        history = read_history_csv(path, office=None)
        spec = CalendarSpec(country=country.upper())
        calendar = WorkingCalendar(holidays=HolidayTable(country.upper()))
        return Loaded(history, spec, calendar, f"csv:{path}")
    # Until the office's own bookings are collected, every office reads the synthetic demo history.
    history = synthetic_history()
    note = f"{SYNTHETIC_LABEL}; office {office.upper()} history from the database is not wired yet"
    return Loaded(history, demo_spec(), demo_calendar(), note)


def forecast_settings(loaded: Loaded) -> ForecastSettings:
    return ForecastSettings(spec=loaded.spec)


def predict(loaded: Loaded, horizon: int) -> Forecast:
    """Forecast the next `horizon` rows of a loaded history."""
    return fit(loaded.history, forecast_settings(loaded)).predict(future_days(loaded.history, horizon))


def predict_report(loaded: Loaded, horizon: int) -> list[dict[str, object]]:
    """`[{date, mean, lo80, hi80}, ...]` for the next `horizon` rows."""
    return predict(loaded, horizon).records()


def backtest_report(loaded: Loaded, horizon: int, *, folds: int = 10) -> dict[str, object]:
    """Rolling-origin backtest of the model against seasonal naive."""
    scores = backtest(
        loaded.history,
        horizon,
        {"model": model_forecaster(forecast_settings(loaded)), "seasonal_naive": seasonal_naive},
        folds=folds,
    )
    return {
        "source": loaded.source,
        "horizon": horizon,
        "season": loaded.history.season,
        "folds": scores["model"].folds,
        "model": scores["model"].as_dict(),
        "seasonal_naive": scores["seasonal_naive"].as_dict(),
    }
