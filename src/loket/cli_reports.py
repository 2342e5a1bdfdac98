"""Report commands (issue 8), registered by loket.cli."""

from __future__ import annotations

import typer

report_app = typer.Typer(
    help="Reports for the head of office: service (ISO), revenue, satisfaction.", no_args_is_help=True
)
