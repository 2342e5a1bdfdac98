"""`loket simulate`: one office day in Monte Carlo; waits, queue, overtime, SLA breaches."""

from __future__ import annotations

from typing import Annotated

import typer

from loket.cli.planning_inputs import JsonOpt, OfficeOpt, PlotOpt, emit_json, office_inputs
from loket.cli.runner import fail, parse_date


def simulate(
    day: Annotated[str, typer.Option("--date", help="The day to simulate (YYYY-MM-DD).")],
    arrivals: Annotated[int, typer.Option(min=0, max=100_000, help="Booked applicants that day.")],
    office: OfficeOpt = "PLG",
    fault: Annotated[
        list[str] | None, typer.Option("--fault", help="STAGE[*N]:HH:MM-HH:MM, e.g. biometrics:10:00-13:00.")
    ] = None,
    breakdown: Annotated[
        list[str] | None,
        typer.Option(
            "--breakdown",
            help="STAGE:MTBF_MIN:MTTR_MIN random failures of each station, e.g. biometrics:240:20.",
        ),
    ] = None,
    replications: Annotated[int, typer.Option(min=1, max=100_000)] = 200,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same figures).")] = 0,
    as_json: JsonOpt = False,
    plot: PlotOpt = None,
) -> None:
    """Simulate an office day (Monte Carlo): waits, queue, overtime, SLA breaches."""
    from loket.planning import entry
    from loket.planning.plots import format_of, queue_chart

    when = parse_date(day, "date")
    inputs = office_inputs(office)
    try:
        summary = entry.simulate(
            office,
            when,
            arrivals,
            faults=fault or (),
            breakdowns=breakdown or (),
            replications=replications,
            seed=seed,
            progress=not as_json,
            model=inputs.model,
        )
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if plot is not None:
        plot.write_bytes(queue_chart(summary, fmt=format_of(plot)))
    result = {
        "office": office.upper(),
        "date": day,
        "faults": fault or [],
        "breakdowns": breakdown or [],
        "seed": seed,
        **inputs.fitted.as_dict(),
        **summary.as_dict(),
    }
    if as_json:
        emit_json(result)
        return
    overtime = summary.overtime_min
    typer.echo(f"{office.upper()} {day}: {arrivals} booked, {replications} replications")
    typer.echo(f"service times: {inputs.fitted.source}")
    for text in breakdown or ():
        typer.echo(f"random breakdowns: {text} (stage:MTBF min:MTTR min, each station)")
    typer.echo(
        f"overtime: {overtime.mean / 60:.2f} h (95% CI {(overtime.mean - overtime.ci95) / 60:.2f}"
        f"-{(overtime.mean + overtime.ci95) / 60:.2f} h)"
    )
    typer.echo(f"not served by closing: {summary.unserved_at_close.mean:.1f}")
    for name, interval in summary.wait_mean_min.items():
        p90 = summary.wait_p90_min[name].mean
        typer.echo(f"wait at {name}: mean {interval.mean:.1f} min, p90 {p90:.1f} min")
    typer.echo(f"SLA breach probability: {summary.sla_breach_probability:.1%}")
