"""`loket privacy`: personal data; one person's export and the retention purge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from loket.cli.runner import console, run
from loket.clock import utcnow
from loket.settings import get_settings

privacy_app = typer.Typer(
    help="Personal data: one person's export, the retention purge.", no_args_is_help=True
)


@privacy_app.command("export")
def privacy_export(
    office: Annotated[str | None, typer.Option(help="Only this office (default: all)")] = None,
) -> None:
    """Print everything kept about one person as JSON; asks for the NIK (never on the command line)."""
    from loket.services.privacy import export_person

    nik = typer.prompt("NIK", hide_input=True)
    folder = Path(get_settings().documents_dir)
    data = run(
        lambda db: export_person(
            db,
            nik,
            actor="cli",
            now=utcnow(),
            office_code=office.upper() if office else None,
            documents_dir=folder,
        )
    )
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@privacy_app.command("purge")
def privacy_purge(
    days: Annotated[
        int | None, typer.Option(help="Keep this many days (default LOKET_RETENTION_DAYS)")
    ] = None,
) -> None:
    """Remove personal data of applications older than the retention period (statistics stay)."""
    from loket.services.privacy import purge_personal_data

    settings = get_settings()
    keep = settings.retention_days if days is None else days
    folder = Path(settings.documents_dir)
    done = run(
        lambda db: purge_personal_data(db, utcnow(), keep, documents_dir=folder), settings=settings
    )
    console.print(", ".join(f"{k} {v}" for k, v in done.items()))
