"""Plain entry points that return JSON-ready dicts: the CLI and the web pages both call these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from loket.domain.calendar import HolidayTable, WorkingCalendar
from loket.planning import erlang
from loket.planning.capacity import CapacityPlan, Roster, plan_capacity
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
from loket.planning.simulation import (
    Breakdown,
    Fault,
    OfficeModel,
    ServiceTime,
    SimulationSummary,
    Stage,
    simulate_day,
)
from loket.planning.synthetic import (
    DEMO_OFFICE,
    SYNTHETIC_LABEL,
    demo_calendar,
    demo_spec,
    synthetic_history,
)

# Office models known without a database: the demo offices and their station counts.
OFFICE_MODELS = {
    "PLG": OfficeModel(code="PLG"),
    "DPS": OfficeModel(
        code="DPS",
        stages=(
            Stage("intake", 3, ServiceTime(6.0)),
            Stage("biometrics", 2, ServiceTime(9.6)),
            Stage("approval", 1, ServiceTime(2.5)),
        ),
    ),
}


def office_model(code: str) -> OfficeModel:
    """The simulation model of an office (defaults until measured service times exist)."""
    try:
        return OFFICE_MODELS[code.upper()]
    except KeyError:
        raise ValueError(f"no planning model for office {code}; known: {', '.join(OFFICE_MODELS)}") from None


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


def _settings(loaded: Loaded) -> ForecastSettings:
    return ForecastSettings(spec=loaded.spec)


def predict(loaded: Loaded, horizon: int) -> Forecast:
    """Forecast the next `horizon` rows of a loaded history."""
    return fit(loaded.history, _settings(loaded)).predict(future_days(loaded.history, horizon))


def predict_report(loaded: Loaded, horizon: int) -> list[dict[str, object]]:
    """`[{date, mean, lo80, hi80}, ...]` for the next `horizon` rows."""
    return predict(loaded, horizon).records()


def backtest_report(loaded: Loaded, horizon: int, *, folds: int = 10) -> dict[str, object]:
    """Rolling-origin backtest of the model against seasonal naive."""
    scores = backtest(
        loaded.history,
        horizon,
        {"model": model_forecaster(_settings(loaded)), "seasonal_naive": seasonal_naive},
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


def erlang_report(
    arrivals: float, period_min: float, aht_s: float, agents: int, target_s: float
) -> dict[str, float]:
    """`{traffic_erlangs, p_wait, service_level, asa_s, occupancy}` for a fixed staffing."""
    result = erlang.evaluate(arrivals, period_min * 60, aht_s, agents, target_s)
    return {
        "traffic_erlangs": round(result.traffic_erlangs, 6),
        "p_wait": round(result.p_wait, 6),
        "service_level": round(result.service_level, 6),
        "asa_s": round(result.asa_s, 4),
        "occupancy": round(result.occupancy, 6),
    }


def required_report(
    arrivals: float,
    period_min: float,
    aht_s: float,
    target_sl: float,
    target_s: float,
    *,
    max_occupancy: float = 1.0,
    shrinkage: float = 0.0,
) -> dict[str, float | int]:
    """`{agents, positions, service_level, p_wait, asa_s, occupancy}` for a target."""
    need = erlang.required_agents(
        arrivals, period_min * 60, aht_s, target_sl, target_s,
        max_occupancy=max_occupancy, shrinkage=shrinkage,
    )
    return {
        "agents": need.agents,
        "positions": need.positions,
        "service_level": round(need.service_level, 6),
        "p_wait": round(need.p_wait, 6),
        "asa_s": round(need.asa_s, 4),
        "occupancy": round(need.occupancy, 6),
    }


def simulate(
    office: str,
    day: date,
    arrivals: int,
    *,
    faults: Sequence[str] = (),
    breakdowns: Sequence[str] = (),
    replications: int = 200,
    seed: int = 0,
    progress: bool = False,
    model: OfficeModel | None = None,
) -> SimulationSummary:
    """Monte Carlo simulation of one office day (the office's model, or the one given), with
    scheduled faults (`STAGE[*N]:HH:MM-HH:MM`) and random breakdowns (`STAGE:MTBF:MTTR`)."""
    model = with_breakdowns(model or office_model(office), breakdowns)
    parsed = [Fault.parse(text) for text in faults]
    for fault in parsed:
        model.stage(fault.stage)  # an unknown stage is a mistake, not a silent no-op
    return simulate_day(
        model, arrivals, day=day, faults=parsed, replications=replications, seed=seed, progress=progress
    )


def with_breakdowns(model: OfficeModel, breakdowns: Sequence[str | Breakdown]) -> OfficeModel:
    """The model with random breakdowns added (each `STAGE:MTBF_MIN:MTTR_MIN`, stage checked)."""
    parsed = [b if isinstance(b, Breakdown) else Breakdown.parse(b) for b in breakdowns]
    for breakdown in parsed:
        model.stage(breakdown.stage)  # an unknown stage is a mistake, not a silent no-op
    return replace(model, breakdowns=model.breakdowns + tuple(parsed)) if parsed else model


def simulate_report(office: str, day: date, arrivals: int, **options: object) -> dict[str, object]:
    """The simulation summary as a dict, with the scenario it ran."""
    summary = simulate(office, day, arrivals, **options)  # type: ignore[arg-type]
    return {
        "office": office.upper(),
        "date": day.isoformat(),
        "faults": list(options.get("faults", ()) or ()),  # type: ignore[call-overload]
        "breakdowns": list(options.get("breakdowns", ()) or ()),  # type: ignore[call-overload]
        "seed": options.get("seed", 0),
        **summary.as_dict(),
    }


def make_plan(
    office: str,
    first: date,
    last: date,
    *,
    history_path: Path | str | None = None,
    country: str = "ID",
    loaded: Loaded | None = None,
    model: OfficeModel | None = None,
) -> tuple[Loaded, Forecast, CapacityPlan]:
    """Forecast the period from the history before it, then plan quotas, stations and overtime.

    `loaded` (a history already read, e.g. from the database) wins over `history_path`; `model`
    over the built-in model of the office.
    """
    if last < first:
        raise ValueError("the plan must end on or after its first day")
    if (last - first).days > 366:
        raise ValueError("a plan covers at most a year")
    loaded = loaded or load_history(history_path, office=office, country=country)
    before = loaded.history.between(date.min, first - timedelta(days=1))
    if len(before) < 60:
        raise ValueError("the history before the plan is too short to forecast from")
    days = [d for d in _days(first, last) if not (before.weekdays_only and d.weekday() >= 5)]
    forecast = fit(before, _settings(loaded)).predict(days)
    plan = plan_capacity(model or office_model(office), forecast, loaded.calendar, roster=Roster())
    return Loaded(before, loaded.spec, loaded.calendar, loaded.source), forecast, plan


def plan_report(office: str, first: date, last: date, **options: object) -> dict[str, object]:
    """The capacity and overtime plan as a dict."""
    loaded, _, plan = make_plan(office, first, last, **options)  # type: ignore[arg-type]
    return {
        "office": office.upper(),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "source": loaded.source,
        **plan.as_dict(),
    }


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
