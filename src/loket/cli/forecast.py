"""`loket forecast`: daily applications forecast, and the forecaster's backtest."""

from __future__ import annotations

from typing import Annotated

import typer

from loket.cli.planning_inputs import (
    CountryOpt,
    HistoryOpt,
    JsonOpt,
    OfficeOpt,
    PlotOpt,
    emit_json,
    history_of,
)
from loket.cli.runner import console, fail

forecast_app = typer.Typer(
    help="Forecast daily applications and backtest the forecaster.", no_args_is_help=True
)


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
    from loket.planning import forecast_entry as entry

    loaded = history_of(history, office, country)
    try:
        result = entry.predict(loaded, horizon)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if plot is not None:
        # matplotlib only when a chart is asked for: it is a good part of the command's start-up.
        from loket.planning.plots import forecast_chart, format_of

        plot.write_bytes(forecast_chart(loaded.history, result, fmt=format_of(plot)))
    rows = result.records()
    if result.note:
        # The fallback is said on stderr too, so that a JSON consumer's log shows it.
        typer.echo(f"forecast model: {result.model} ({result.note})", err=True)
    if as_json:
        emit_json(rows)
        return
    from rich.table import Table

    table = Table(title=f"Forecast ({loaded.source}; model: {result.model})")
    for column in ("date", "mean", "lo80", "hi80"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*(str(row[c]) for c in ("date", "mean", "lo80", "hi80")))
    console.print(table)


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
    from loket.planning import forecast_entry as entry

    loaded = history_of(history, office, country)
    try:
        result = entry.backtest_report(loaded, horizon, folds=folds)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        emit_json(result)
        return
    from rich.table import Table

    table = Table(title=f"Backtest, {result['folds']} folds of {horizon} ({loaded.source})")
    for column in ("forecaster", "MASE", "MAPE %", "80% coverage"):
        table.add_column(column, justify="right")
    for name in ("model", "seasonal_naive"):
        score = result[name]
        assert isinstance(score, dict)
        table.add_row(name, str(score["mase"]), str(score["mape"]), str(score["coverage"]))
    console.print(table)
