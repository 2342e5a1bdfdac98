"""`loket quota`: the weekly template, single-day overrides and the quota plan."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from loket.cli.runner import catalog, console, fail, parse_date, run
from loket.clock import utcnow
from loket.settings import get_settings
from loket.store.database import Database

if TYPE_CHECKING:
    from loket.services.planning import QuotaChange, QuotaReport

quota_app = typer.Typer(
    help="Daily quotas: the weekly template and single-day overrides.", no_args_is_help=True
)


@quota_app.command("plan")
def quota_plan(
    office: Annotated[str, typer.Option("--office", help="Office code")],
    from_: Annotated[str, typer.Option("--from", help="First day of the plan YYYY-MM-DD")],
    to: Annotated[str, typer.Option("--to", help="Last day of the plan YYYY-MM-DD")],
    apply: Annotated[bool, typer.Option("--apply", help="Write the quotas as day overrides")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """Propose each day's quota per category from the capacity plan; --apply writes them."""
    from loket.planning import entry
    from loket.services.planning import apply_quotas, planning_inputs, proposed_quotas

    settings = get_settings()
    first, last = parse_date(from_, "from"), parse_date(to, "to")
    code = office.upper()

    async def work(db: Database) -> tuple[dict[str, object], QuotaReport]:
        now = utcnow()
        inputs = await planning_inputs(db, code, settings, now=now)
        try:
            loaded, _, plan = await asyncio.to_thread(
                entry.make_plan, code, first, last, loaded=inputs.loaded, model=inputs.model
            )
        except ValueError as exc:
            raise fail(str(exc)) from exc
        report = proposed_quotas(code, plan)
        if apply:
            report = await apply_quotas(db, catalog(settings), report, actor="cli", now=now)
        return {"source": loaded.source, **inputs.fitted.as_dict()}, report

    about, report = run(work, settings=settings)
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


@quota_app.command("set")
def quota_set(
    office: Annotated[str, typer.Option(help="Office code")],
    day: Annotated[str, typer.Option("--date", help="The day YYYY-MM-DD")],
    category: Annotated[str, typer.Option(help="regular, priority or express")],
    capacity: Annotated[int, typer.Option(help="Places that day, spread over the sessions")],
) -> None:
    """Override one day's capacity for a category (never below the places already booked)."""
    from loket.services.quotas import set_day_capacity

    settings = get_settings()
    when = parse_date(day, "date")
    alloc = run(
        lambda db: set_day_capacity(
            db, catalog(settings), office.upper(), when, category, capacity, actor="cli", now=utcnow()
        ),
        settings=settings,
    )
    console.print(f"{office.upper()} {when} {category}: {capacity} places, per session {alloc}")


@quota_app.command("template")
def quota_template(
    office: Annotated[str, typer.Option(help="Office code")],
    weekday: Annotated[int, typer.Option(help="ISO weekday: 1 = Monday ... 7 = Sunday")],
    category: Annotated[str, typer.Option(help="regular, priority or express")],
    capacity: Annotated[int, typer.Option(help="Daily places on that weekday")],
) -> None:
    """Set a weekday's daily capacity in the weekly template (days not yet opened)."""
    from loket.services.quotas import set_template

    settings = get_settings()
    run(
        lambda db: set_template(
            db, office.upper(), weekday, category, capacity,
            actor="cli", now=utcnow(), catalog=catalog(settings),
        ),
        settings=settings,
    )
    console.print(f"{office.upper()} weekday {weekday} {category}: {capacity} a day")
