"""`loket history`: an office's daily application history; import a CSV, collect it, show it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from loket.cli.runner import console, fail, parse_date, run
from loket.clock import utcnow
from loket.settings import get_settings

history_app = typer.Typer(
    help="Daily application history of an office: import a CSV, collect it from bookings, show it.",
    no_args_is_help=True,
)


def _optional_date(raw: str | None, option: str) -> date | None:
    return None if raw is None else parse_date(raw, option)


@history_app.command("import")
def history_import(
    file: Annotated[Path, typer.Argument(help="CSV with the columns date,count and optionally office")],
    office: Annotated[
        str | None,
        typer.Option("--office", help="Office of rows without an office column (or the one office kept)"),
    ] = None,
) -> None:
    """Store daily counts from a CSV (a re-import replaces those days; a bad row writes nothing)."""
    from loket.services.history import import_history

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {file}: {exc}") from exc
    done = run(lambda db: import_history(db, text, office=office, actor="cli", now=utcnow(), name=file.name))
    for code, rows in done.offices.items():
        console.print(f"{code}: {rows} days imported ({done.first} .. {done.last})")
    console.print(f"replaced {done.replaced} days already stored")
    if done.skipped_other_offices:
        console.print(f"skipped {done.skipped_other_offices} rows of other offices")


@history_app.command("collect")
def history_collect(
    office: Annotated[str, typer.Option("--office", help="Office code")],
    from_: Annotated[str | None, typer.Option("--from", help="First day (default: first booking)")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day (default: yesterday)")] = None,
) -> None:
    """Count each past day's applications from the office's own bookings and walk-ins."""
    from loket.services.history import collect_from_bookings

    settings = get_settings()
    first, last = _optional_date(from_, "from"), _optional_date(to, "to")
    done = run(
        lambda db: collect_from_bookings(
            db,
            office.upper(),
            first=first,
            last=last,
            country=settings.holiday_country,
            actor="cli",
            now=utcnow(),
        ),
        settings=settings,
    )
    if done.first is None:
        console.print(f"{done.office}: no bookings to collect")
        return
    console.print(
        f"{done.office}: {done.written} days collected ({done.first} .. {done.last}), "
        f"{done.applications} applications; {done.kept_imported} imported days kept"
    )


@history_app.command("show")
def history_show(office: Annotated[str, typer.Option("--office", help="Office code")]) -> None:
    """Where the office's history comes from: days per source (synthetic rows are labelled)."""
    from loket.services.history import describe, summary

    parts = run(lambda db: summary(db, office.upper()))
    table = Table(title=describe(office.upper(), []) if not parts else f"History {office.upper()}")
    for column in ("source", "days", "first", "last"):
        table.add_column(column)
    for p in parts:
        table.add_row(p.label().split(":")[0], str(p.rows), str(p.first), str(p.last))
    console.print(table)
