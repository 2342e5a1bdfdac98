"""`loket office`: offices as files (docs/offices.md): import, export, list."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from loket.cli.runner import REFUSED, catalog, console, err_console, fail, run, user_language
from loket.clock import utcnow
from loket.i18n import translate
from loket.settings import get_settings

if TYPE_CHECKING:
    from loket.services.office_files import ImportOutcome, OfficeFileInvalid
    from loket.store.database import Database

office_app = typer.Typer(
    help="Offices as files: import, export, list (docs/offices.md).", no_args_is_help=True
)


@office_app.command("import")
def office_import(
    file: Annotated[Path, typer.Argument(help="A YAML or JSON file (- for standard input)")],
    check: Annotated[bool, typer.Option("--check", help="Only check the file; write nothing")] = False,
) -> None:
    """Create or update the offices of FILE, all or none; importing the same file twice changes nothing."""
    from loket.services.office_files import OfficeFileInvalid, check_text, import_offices

    settings = get_settings()
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{file}: {exc}") from exc
    if check:
        try:
            found = check_text(text)
        except OfficeFileInvalid as exc:
            print_file_errors(exc)
            raise typer.Exit(REFUSED) from exc
        for office in found:
            console.print(f"{office.code}: valid")
        return

    async def work(db: Database) -> ImportOutcome | OfficeFileInvalid:
        try:
            return await import_offices(db, text, actor="cli", now=utcnow(), catalog=catalog(settings))
        except OfficeFileInvalid as exc:
            return exc

    outcome = run(work, settings=settings)
    if isinstance(outcome, OfficeFileInvalid):
        print_file_errors(outcome)
        raise typer.Exit(REFUSED)
    for code in outcome.created:
        console.print(f"{code}: created")
    for code in outcome.updated:
        console.print(f"{code}: updated")
    for code in outcome.unchanged:
        console.print(f"{code}: unchanged")
    if not outcome.created and not outcome.updated:
        console.print("nothing to change")


@office_app.command("export")
def office_export(
    code: Annotated[str, typer.Argument(help="Office code, e.g. DJJ")],
    fmt: Annotated[str, typer.Option("--format", help="yaml or json")] = "yaml",
) -> None:
    """Print the office's file: importing it gives the same office."""
    from loket.services.office_files import export_office, export_text

    if fmt not in ("yaml", "json"):
        raise typer.BadParameter("choose yaml or json", param_hint="--format")
    document = run(lambda db: export_office(db, code.upper()))
    typer.echo(export_text(document, fmt), nl=False)


@office_app.command("list")
def office_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """The offices: code, zone, name."""
    from loket.services.offices import list_offices

    found = run(list_offices)
    if as_json:
        typer.echo(json.dumps([{"code": o.code, "name": o.name, "time_zone": o.timezone} for o in found]))
        return
    for o in found:
        console.print(f"{o.code}\t{o.zone_abbreviation}\t{o.name}")


def print_file_errors(exc: OfficeFileInvalid) -> None:
    """The summary, then each mistake on its own line with its path, in the terminal's language."""
    lang = user_language()
    err_console.print(
        f"[red]error[/red] {exc.code}: {translate(lang, exc.message, **exc.params)}", highlight=False
    )
    for problem in exc.problems:
        err_console.print(
            f"  {problem.path}: {translate(lang, problem.message, **problem.params)}",
            highlight=False,
            soft_wrap=True,
        )
