"""What the planning commands (forecast, staffing, simulate, plan) share: their options, the
office's stored history and model, a CSV history instead, and JSON output.

The planning stack (statsmodels, SciPy, matplotlib) loads inside each command, so that
`loket --help` and every other command start in a fraction of a second.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from loket.cli.runner import fail, run

if TYPE_CHECKING:
    from loket.planning.forecast_entry import Loaded
    from loket.services.planning import Inputs

HistoryOpt = Annotated[
    Path | None,
    typer.Option("--history", help="CSV with date,count[,office]; default: the office's stored history."),
]
OfficeOpt = Annotated[str, typer.Option("--office", help="Office code (demo: PLG).")]
CountryOpt = Annotated[str, typer.Option("--country", help="Country whose holidays shape demand.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
PlotOpt = Annotated[Path | None, typer.Option("--plot", help="Write a chart to FILE.png or FILE.svg.")]


def emit_json(data: object) -> None:
    """Print `data` as indented JSON (non-ASCII kept as is)."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def office_inputs(office: str, country: str | None = None) -> Inputs:
    """The office's stored history, calendar and model (measured service times or defaults)."""
    from loket.clock import utcnow
    from loket.services.planning import planning_inputs
    from loket.settings import get_settings

    settings = get_settings()
    return run(
        lambda db: planning_inputs(db, office.upper(), settings, now=utcnow(), country=country),
        settings=settings,
    )


def history_of(history: Path | None, office: str, country: str) -> Loaded:
    """A CSV history when `--history` is given (no database needed), else the office's stored one."""
    from loket.planning import forecast_entry as entry
    from loket.planning.history import HistoryError

    if history is None:
        return office_inputs(office, country).loaded
    try:
        return entry.load_history(history, office=office, country=country)
    except (HistoryError, OSError) as exc:
        raise fail(f"cannot read the history: {exc}") from exc
