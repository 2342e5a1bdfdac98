"""Staff and office-floor commands (issue 4), registered by loket.cli."""

from __future__ import annotations

import typer

staff_app = typer.Typer(help="Staff accounts and their roles.", no_args_is_help=True)
