"""`loket plan`: quotas, stations per hour and overtime so that no backlog passes a deadline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from loket.cli.planning_inputs import (
    CountryOpt,
    HistoryOpt,
    JsonOpt,
    OfficeOpt,
    PlotOpt,
    emit_json,
    office_inputs,
)
from loket.cli.runner import console, fail, parse_date
from loket.planning.history import HistoryError

if TYPE_CHECKING:
    from loket.planning.capacity import CapacityPlan
    from loket.planning.forecast_entry import Loaded


def _plan(
    office: str, first: str, last: str, history: Path | None, country: str
) -> tuple[Loaded, CapacityPlan, dict[str, object]]:
    """The capacity plan: from a CSV history and the built-in model, or all from the database."""
    from loket.planning import entry

    start, end = parse_date(first, "from"), parse_date(last, "to")
    try:
        if history is not None:
            loaded, _, result = entry.make_plan(office, start, end, history_path=history, country=country)
            return loaded, result, {"service_times_source": "defaults"}
        inputs = office_inputs(office, country)
        loaded, _, result = entry.make_plan(office, start, end, loaded=inputs.loaded, model=inputs.model)
        return loaded, result, inputs.fitted.as_dict()
    except (ValueError, HistoryError, OSError) as exc:
        raise fail(str(exc)) from exc


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
        emit_json(data)
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
    console.print(table)
    typer.echo(f"overtime in total: {result.overtime_hours:.2f} h")
