"""Security commands (issue 7): ballots, fraud report, audit, banks; registered by loket.cli."""

from __future__ import annotations

import typer

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
