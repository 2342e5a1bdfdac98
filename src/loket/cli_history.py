"""History and quota-plan commands: `loket history import|collect|show` and `loket quota plan`.

The main CLI registers `app.add_typer(history_app, name="history")` and
`quota_app.command("plan")(quota_plan)`. Each command is a few lines over a service.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from loket.clock import utcnow
from loket.domain.errors import DomainError
from loket.settings import Settings, get_settings
from loket.store.database import Database

if TYPE_CHECKING:
    from loket.services.planning import QuotaChange, QuotaReport

T = TypeVar("T")

history_app = typer.Typer(
    help="Daily application history of an office: import a CSV, collect it from bookings, show it.",
    no_args_is_help=True,
)
console = Console()


def _run(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def runner() -> T:
        db = Database.unpooled(settings.database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(runner())
    except DomainError as exc:
        Console(stderr=True).print(f"[red]error[/red] {exc.code}: {exc}")
        raise typer.Exit(2) from exc


def _day(raw: str | None, name: str) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise typer.BadParameter(f"{raw!r} is not a date YYYY-MM-DD", param_hint=f"--{name}") from exc


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
        Console(stderr=True).print(f"[red]error[/red] cannot read {file}: {exc}")
        raise typer.Exit(2) from exc
    done = _run(
        get_settings(),
        lambda db: import_history(db, text, office=office, actor="cli", now=utcnow(), name=file.name),
    )
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
    first, last = _day(from_, "from"), _day(to, "to")
    done = _run(
        settings,
        lambda db: collect_from_bookings(
            db,
            office.upper(),
            first=first,
            last=last,
            country=settings.holiday_country,
            actor="cli",
            now=utcnow(),
        ),
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

    parts = _run(get_settings(), lambda db: summary(db, office.upper()))
    table = Table(title=describe(office.upper(), []) if not parts else f"History {office.upper()}")
    for column in ("source", "days", "first", "last"):
        table.add_column(column)
    for p in parts:
        table.add_row(p.label().split(":")[0], str(p.rows), str(p.first), str(p.last))
    console.print(table)


def quota_plan(
    office: Annotated[str, typer.Option("--office", help="Office code")],
    from_: Annotated[str, typer.Option("--from", help="First day of the plan YYYY-MM-DD")],
    to: Annotated[str, typer.Option("--to", help="Last day of the plan YYYY-MM-DD")],
    apply: Annotated[bool, typer.Option("--apply", help="Write the quotas as day overrides")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """Propose each day's quota per category from the capacity plan; --apply writes them."""
    from loket.planning import reports
    from loket.services.catalog import Catalog
    from loket.services.planning import apply_quotas, planning_inputs, proposed_quotas

    settings = get_settings()
    first, last = _day(from_, "from"), _day(to, "to")
    assert first is not None and last is not None
    code = office.upper()

    async def work(db: Database) -> tuple[dict[str, object], QuotaReport]:
        now = utcnow()
        inputs = await planning_inputs(db, code, settings, now=now)
        try:
            loaded, _, plan = await asyncio.to_thread(
                reports.make_plan, code, first, last, loaded=inputs.loaded, model=inputs.model
            )
        except ValueError as exc:
            Console(stderr=True).print(f"[red]error[/red] {exc}")
            raise typer.Exit(2) from exc
        report = proposed_quotas(code, plan)
        if apply:
            catalog = Catalog(ttl=0, country=settings.holiday_country)
            report = await apply_quotas(db, catalog, report, actor="cli", now=now)
        return {"source": loaded.source, **inputs.fitted.as_dict()}, report

    about, report = _run(settings, work)
    if as_json:
        typer.echo(json.dumps({**about, **report.as_dict()}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Quota plan {code} {first}..{last} ({about['source']})")
    for column in ("date", "regular", "express", "priority", "total", "status"):
        table.add_column(column, justify="right")
    by_day: dict[date, list[QuotaChange]] = {}
    for change in report.changes:
        by_day.setdefault(change.day, []).append(change)
    for day, changes in by_day.items():
        sizes = {c.category: c.capacity for c in changes}
        table.add_row(
            day.isoformat(),
            *(str(sizes.get(c, "")) for c in ("regular", "express", "priority")),
            str(sum(sizes.values())),
            ", ".join(sorted({c.status for c in changes})),
        )
    console.print(table)
    if not apply:
        console.print("proposed only; run again with --apply to write them")
        return
    console.print(f"applied {report.count('applied')} quotas")
    for c in report.changes:
        if c.status not in ("applied", "proposed"):
            why = f"{c.booked} places already booked" if c.status == "below_booked" else c.status
            console.print(f"not applied: {c.day} {c.category} {c.capacity} ({why})")
