"""Planning commands for the main CLI: `forecast`, `staffing`, `simulate` and `plan`.

The main CLI registers them: `app.add_typer(forecast_app, name="forecast")`,
`app.add_typer(staffing_app, name="staffing")`, `app.command("simulate")(simulate)` and
`app.command("plan")(plan)`. Each command is a thin shell over `loket.planning.reports`.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from loket.domain.errors import DomainError
from loket.planning.history import HistoryError

if TYPE_CHECKING:
    from loket.planning import reports
    from loket.planning.capacity import CapacityPlan
    from loket.services.planning import Inputs

# The planning stack (statsmodels, SciPy, matplotlib) loads inside each command, so that
# `loket --help` and every other command start in a fraction of a second.

forecast_app = typer.Typer(
    help="Forecast daily applications and backtest the forecaster.", no_args_is_help=True
)
staffing_app = typer.Typer(
    help="Erlang C staffing: the service level of a staffing, or the staff a target needs.",
    no_args_is_help=True,
)

HistoryOpt = Annotated[
    Path | None,
    typer.Option("--history", help="CSV with date,count[,office]; default: the office's stored history."),
]
OfficeOpt = Annotated[str, typer.Option("--office", help="Office code (demo: PLG).")]
CountryOpt = Annotated[str, typer.Option("--country", help="Country whose holidays shape demand.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
PlotOpt = Annotated[Path | None, typer.Option("--plot", help="Write a chart to FILE.png or FILE.svg.")]


def _emit(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]{message}[/red]")
    return typer.Exit(code=2)


def _from_db(office: str, country: str | None = None) -> Inputs:
    """The office's stored history, calendar and model (measured service times or defaults)."""
    from loket.clock import utcnow
    from loket.services.planning import planning_inputs
    from loket.settings import get_settings
    from loket.store.database import Database

    settings = get_settings()

    async def work() -> Inputs:
        db = Database.unpooled(settings.database_url)
        try:
            return await planning_inputs(db, office.upper(), settings, now=utcnow(), country=country)
        finally:
            await db.dispose()

    try:
        return asyncio.run(work())
    except DomainError as exc:
        raise _fail(f"{exc.code}: {exc}") from exc


def _load(history: Path | None, office: str, country: str) -> reports.Loaded:
    """A CSV history when `--history` is given (no database needed), else the office's stored one."""
    from loket.planning import reports

    if history is None:
        return _from_db(office, country).loaded
    try:
        return reports.load_history(history, office=office, country=country)
    except (HistoryError, OSError) as exc:
        raise _fail(f"cannot read the history: {exc}") from exc


@forecast_app.command("predict")
def predict(
    history: HistoryOpt = None,
    horizon: Annotated[int, typer.Option(min=1, max=730, help="Rows (days) to forecast.")] = 60,
    office: OfficeOpt = "PLG",
    country: CountryOpt = "ID",
    as_json: JsonOpt = False,
    plot: PlotOpt = None,
) -> None:
    """Forecast daily applications with an 80% interval."""
    from loket.planning import reports
    from loket.planning.plots import forecast_chart, format_of

    loaded = _load(history, office, country)
    try:
        result = reports.predict(loaded, horizon)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    if plot is not None:
        plot.write_bytes(forecast_chart(loaded.history, result, fmt=format_of(plot)))
    rows = result.records()
    if as_json:
        _emit(rows)
        return
    table = Table(title=f"Forecast ({loaded.source})")
    for column in ("date", "mean", "lo80", "hi80"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*(str(row[c]) for c in ("date", "mean", "lo80", "hi80")))
    Console().print(table)


@forecast_app.command("backtest")
def backtest(
    history: HistoryOpt = None,
    horizon: Annotated[int, typer.Option(min=1, max=365, help="Rows per fold.")] = 28,
    folds: Annotated[int, typer.Option(min=1, max=200, help="Rolling origins, most recent first.")] = 10,
    office: OfficeOpt = "PLG",
    country: CountryOpt = "ID",
    as_json: JsonOpt = False,
) -> None:
    """Rolling-origin backtest: MASE, MAPE and 80% coverage of the model and seasonal naive."""
    from loket.planning import reports

    loaded = _load(history, office, country)
    try:
        result = reports.backtest_report(loaded, horizon, folds=folds)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        _emit(result)
        return
    table = Table(title=f"Backtest, {result['folds']} folds of {horizon} ({loaded.source})")
    for column in ("forecaster", "MASE", "MAPE %", "80% coverage"):
        table.add_column(column, justify="right")
    for name in ("model", "seasonal_naive"):
        score = result[name]
        assert isinstance(score, dict)
        table.add_row(name, str(score["mase"]), str(score["mape"]), str(score["coverage"]))
    Console().print(table)


@staffing_app.command("erlang")
def erlang(
    arrivals: Annotated[float, typer.Option(min=0, help="Arrivals in the period.")],
    period_min: Annotated[float, typer.Option(min=0.001, help="Period length in minutes.")],
    aht_s: Annotated[float, typer.Option(min=0, help="Average handling time in seconds.")],
    agents: Annotated[int, typer.Option(min=1, help="Servers (counters, agents).")],
    target_s: Annotated[float, typer.Option(min=0, help="Answer-time target in seconds.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Erlang C for a fixed number of servers."""
    from loket.planning import reports

    result = reports.erlang_report(arrivals, period_min, aht_s, agents, target_s)
    if as_json:
        _emit(result)
        return
    for key, value in result.items():
        typer.echo(f"{key}: {value}")


@staffing_app.command("required")
def required(
    arrivals: Annotated[float, typer.Option(min=0, help="Arrivals in the period.")],
    period_min: Annotated[float, typer.Option(min=0.001, help="Period length in minutes.")],
    aht_s: Annotated[float, typer.Option(min=0, help="Average handling time in seconds.")],
    target_sl: Annotated[
        float, typer.Option(min=0, max=0.9999, help="Share served within the target.")
    ] = 0.8,
    target_s: Annotated[float, typer.Option(min=0, help="Answer-time target in seconds.")] = 20,
    max_occupancy: Annotated[float, typer.Option(min=0.01, max=1, help="Occupancy ceiling.")] = 1.0,
    shrinkage: Annotated[float, typer.Option(min=0, max=0.99, help="Share of paid time not serving.")] = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """The fewest servers meeting a service-level target, and positions after shrinkage."""
    from loket.planning import reports

    result = reports.required_report(
        arrivals, period_min, aht_s, target_sl, target_s, max_occupancy=max_occupancy, shrinkage=shrinkage
    )
    if as_json:
        _emit(result)
        return
    for key, value in result.items():
        typer.echo(f"{key}: {value}")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def simulate(
    day: Annotated[str, typer.Option("--date", help="The day to simulate (YYYY-MM-DD).")],
    arrivals: Annotated[int, typer.Option(min=0, max=100_000, help="Booked applicants that day.")],
    office: OfficeOpt = "PLG",
    fault: Annotated[
        list[str] | None, typer.Option("--fault", help="STAGE[*N]:HH:MM-HH:MM, e.g. biometrics:10:00-13:00.")
    ] = None,
    replications: Annotated[int, typer.Option(min=1, max=100_000)] = 200,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same figures).")] = 0,
    as_json: JsonOpt = False,
    plot: PlotOpt = None,
) -> None:
    """Simulate an office day (Monte Carlo): waits, queue, overtime, SLA breaches."""
    from loket.planning import reports
    from loket.planning.plots import format_of, queue_chart

    when = _day(day)
    inputs = _from_db(office)
    try:
        summary = reports.simulate(
            office,
            when,
            arrivals,
            faults=fault or (),
            replications=replications,
            seed=seed,
            progress=not as_json,
            model=inputs.model,
        )
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    if plot is not None:
        plot.write_bytes(queue_chart(summary, fmt=format_of(plot)))
    result = {
        "office": office.upper(),
        "date": day,
        "faults": fault or [],
        "seed": seed,
        **inputs.fitted.as_dict(),
        **summary.as_dict(),
    }
    if as_json:
        _emit(result)
        return
    overtime = summary.overtime_min
    typer.echo(f"{office.upper()} {day}: {arrivals} booked, {replications} replications")
    typer.echo(f"service times: {inputs.fitted.source}")
    typer.echo(
        f"overtime: {overtime.mean / 60:.2f} h (95% CI {(overtime.mean - overtime.ci95) / 60:.2f}"
        f"-{(overtime.mean + overtime.ci95) / 60:.2f} h)"
    )
    typer.echo(f"not served by closing: {summary.unserved_at_close.mean:.1f}")
    for name, interval in summary.wait_mean_min.items():
        p90 = summary.wait_p90_min[name].mean
        typer.echo(f"wait at {name}: mean {interval.mean:.1f} min, p90 {p90:.1f} min")
    typer.echo(f"SLA breach probability: {summary.sla_breach_probability:.1%}")


def _plan(
    office: str, first: str, last: str, history: Path | None, country: str
) -> tuple[reports.Loaded, CapacityPlan, dict[str, object]]:
    """The capacity plan: from a CSV history and the built-in model, or all from the database."""
    from loket.planning import reports

    start, end = _day(first), _day(last)
    try:
        if history is not None:
            loaded, _, result = reports.make_plan(office, start, end, history_path=history, country=country)
            return loaded, result, {"service_times_source": "defaults"}
        inputs = _from_db(office, country)
        loaded, _, result = reports.make_plan(
            office, start, end, loaded=inputs.loaded, model=inputs.model
        )
        return loaded, result, inputs.fitted.as_dict()
    except (ValueError, HistoryError, OSError) as exc:
        raise _fail(str(exc)) from exc


def plan(
    first: Annotated[str, typer.Option("--from", help="First day of the plan (YYYY-MM-DD).")],
    last: Annotated[str, typer.Option("--to", help="Last day of the plan (YYYY-MM-DD).")],
    office: OfficeOpt = "PLG",
    history: HistoryOpt = None,
    country: CountryOpt = "ID",
    as_json: JsonOpt = False,
    plot: PlotOpt = None,
) -> None:
    """Propose quotas, stations per hour and overtime so no backlog passes a deadline."""
    from loket.planning.plots import format_of, plan_chart

    loaded, result, times = _plan(office, first, last, history, country)
    if plot is not None:
        plot.write_bytes(plan_chart(result, fmt=format_of(plot)))
    data = {
        "office": office.upper(),
        "from": first,
        "to": last,
        "source": loaded.source,
        **times,
        **result.as_dict(),
    }
    if as_json:
        _emit(data)
        return
    table = Table(title=f"Plan {office.upper()} {first}..{last} ({loaded.source})")
    for column in ("date", "demand", "capacity", "carried", "overtime h", "quota", "deadline"):
        table.add_column(column, justify="right")
    for d in result.days:
        table.add_row(
            d.day.isoformat(),
            f"{d.demand:.0f}",
            f"{d.regular_capacity:.0f}",
            f"{d.carried_in:.0f}",
            f"{d.overtime_hours:.2f}",
            str(sum(d.quota.values())),
            "yes" if d.deadline else "",
        )
    Console().print(table)
    typer.echo(f"overtime in total: {result.overtime_hours:.2f} h")
