"""`loket staffing`: Erlang C; the service level of a staffing, or the staff a target needs."""

from __future__ import annotations

from typing import Annotated

import typer

from loket.cli.planning_inputs import JsonOpt, emit_json

staffing_app = typer.Typer(
    help="Erlang C staffing: the service level of a staffing, or the staff a target needs.",
    no_args_is_help=True,
)


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
    from loket.planning import entry

    result = entry.erlang_report(arrivals, period_min, aht_s, agents, target_s)
    if as_json:
        emit_json(result)
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
    from loket.planning import entry

    result = entry.required_report(
        arrivals, period_min, aht_s, target_sl, target_s, max_occupancy=max_occupancy, shrinkage=shrinkage
    )
    if as_json:
        emit_json(result)
        return
    for key, value in result.items():
        typer.echo(f"{key}: {value}")
