"""`loket db`: the database schema."""

from __future__ import annotations

from typing import Annotated

import typer

from loket.cli.runner import console
from loket.settings import get_settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Option(help="Target revision")] = "head") -> None:
    """Migrate the configured database to the latest schema."""
    from loket.services.schema import upgrade_schema

    settings = get_settings()
    upgrade_schema(settings.database_url, revision)
    console.print(f"database at {revision}: {settings.database_url}")
