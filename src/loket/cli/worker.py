"""`loket worker`: the background rounds."""

from __future__ import annotations

from typing import Annotated

import typer

from loket.cli.runner import console, run
from loket.settings import get_settings


def worker(
    once: Annotated[bool, typer.Option("--once", help="Run one round and exit")] = False,
) -> None:
    """Background work: lapse unpaid holds (places return to the pool) and open days for booking."""
    from loket.services.worker import run_worker

    settings = get_settings()
    rounds = run(lambda db: run_worker(db, settings, once=once, log=console.print), settings=settings)
    console.print(f"worker stopped after {rounds} round(s)")
