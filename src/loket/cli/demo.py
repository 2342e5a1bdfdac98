"""`loket demo`: the demo offices."""

from __future__ import annotations

from typing import Annotated

import typer

from loket.cli.runner import console, run
from loket.clock import utcnow
from loket.store.database import Database

demo_app = typer.Typer(help="The demo offices (Palembang, Denpasar).", no_args_is_help=True)


@demo_app.command("load")
def demo_load(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when the database has no office")
    ] = False,
) -> None:
    """Load the demo offices, calendar, fees, sessions and stations (safe to run again)."""
    from loket.services.demo import has_offices, load_demo

    async def work(db: Database) -> list[str] | None:
        if if_empty and await has_offices(db):
            return None
        return await load_demo(db, now=utcnow())

    added = run(work)
    if added is None:
        console.print("offices present; demo not loaded")
    else:
        console.print(f"demo loaded: {', '.join(added) if added else 'nothing new'}")
