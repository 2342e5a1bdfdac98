"""`loket calendar`: service days, closures, extra days and SLA due dates."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table

from loket.cli.runner import catalog, console, parse_date, run
from loket.clock import utcnow
from loket.formatting import long_date
from loket.i18n import translate
from loket.settings import get_settings

calendar_app = typer.Typer(
    help="Working-day calendar: service days, closures, SLA due dates.", no_args_is_help=True
)


@calendar_app.command("due")
def calendar_due(
    office: Annotated[str, typer.Option(help="Office code, e.g. PLG")],
    start: Annotated[str, typer.Option(help="Start date YYYY-MM-DD (not counted)")],
    days: Annotated[int, typer.Option(help="Working days after the start")] = 4,
) -> None:
    """Print the SLA due date: the Nth working day after START, as an ISO date."""
    from loket.services.offices import due_date

    settings = get_settings()
    start_day = parse_date(start, "start")
    due = run(
        lambda db: due_date(db, office.upper(), start_day, days, settings.holiday_country),
        settings=settings,
    )
    typer.echo(due.isoformat())


@calendar_app.command("show")
def calendar_show(
    office: Annotated[str, typer.Option(help="Office code, e.g. PLG")],
    month: Annotated[str, typer.Option(help="Month YYYY-MM")],
    lang: Annotated[str, typer.Option(help="id or en")] = "id",
) -> None:
    """Print one month of the office's calendar with holidays, closures and extra days named."""
    from loket.services.offices import calendar_days

    settings = get_settings()
    first = parse_date(f"{month}-01", "month")
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    found, days = run(
        lambda db: calendar_days(db, office.upper(), first, last, settings.holiday_country),
        settings=settings,
    )
    table = Table(title=f"{found.name} ({found.code}, {found.zone_abbreviation}) {month}")
    table.add_column(translate(lang, "Date"))
    table.add_column(translate(lang, "Service"))
    table.add_column(translate(lang, "Note"))
    for d in days:
        why = d.closure or d.holiday or d.extra or (translate(lang, "weekend") if d.weekend else "")
        if d.extra and d.holiday:
            why = f"{d.extra} ({d.holiday})"
        table.add_row(
            long_date(d.day, lang),
            translate(lang, "Open") if d.service_day else translate(lang, "Closed"),
            why,
        )
    console.print(table)


@calendar_app.command("close")
def calendar_close(
    office: Annotated[str, typer.Option(help="Office code")],
    from_: Annotated[str, typer.Option("--from", help="First closed day YYYY-MM-DD")],
    to: Annotated[str, typer.Option(help="Last closed day YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="Why the office closes")],
) -> None:
    """Declare an office closure (a date range with a reason)."""
    from loket.services.offices import declare_closure

    first, last = parse_date(from_, "from"), parse_date(to, "to")
    settings = get_settings()
    run(
        lambda db: declare_closure(
            db, office.upper(), first, last, reason, actor="cli", now=utcnow(), catalog=catalog(settings)
        ),
        settings=settings,
    )
    console.print(f"{office.upper()} closed {first} .. {last}: {reason}")


@calendar_app.command("extra-day")
def calendar_extra_day(
    office: Annotated[str, typer.Option(help="Office code")],
    day: Annotated[str, typer.Option("--date", help="The extra service day YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="Why (Saturday session, overtime, mall session)")],
) -> None:
    """Declare an extra service day (weekend or mall session, overtime day)."""
    from loket.services.offices import declare_extra_day

    when = parse_date(day, "date")
    settings = get_settings()
    run(
        lambda db: declare_extra_day(
            db, office.upper(), when, reason, actor="cli", now=utcnow(), catalog=catalog(settings)
        ),
        settings=settings,
    )
    console.print(f"{office.upper()} serves on {when}: {reason}")


holiday_app = typer.Typer(
    help="The national calendar: days off declared by decree, listed holidays cancelled.",
    no_args_is_help=True,
)
calendar_app.add_typer(holiday_app, name="holiday")


@holiday_app.command("add")
def holiday_add(
    day: Annotated[str, typer.Option("--date", help="The day off YYYY-MM-DD")],
    name: Annotated[str, typer.Option(help='Its name, e.g. "Cuti bersama tambahan"')],
) -> None:
    """Declare a national day off for every office (their due dates follow at once)."""
    from loket.services.national_calendar import add_holiday

    settings = get_settings()
    when = parse_date(day, "date")
    run(
        lambda db: add_holiday(db, when, name, actor="cli", now=utcnow(), catalog=catalog(settings)),
        settings=settings,
    )
    console.print(f"{when}: national day off ({name})")


@holiday_app.command("remove")
def holiday_remove(
    day: Annotated[str, typer.Option("--date", help="The day YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="The decree that cancelled a listed holiday")] = "",
) -> None:
    """Withdraw a declared day off, or cancel a holiday the package lists (a decree moved it)."""
    from loket.services.national_calendar import remove_holiday

    settings = get_settings()
    when = parse_date(day, "date")
    done = run(
        lambda db: remove_holiday(
            db,
            when,
            actor="cli",
            now=utcnow(),
            country=settings.holiday_country,
            reason=reason,
            catalog=catalog(settings),
        ),
        settings=settings,
    )
    console.print(f"{when}: {'declared day off withdrawn' if done == 'withdrawn' else 'holiday cancelled'}")


@holiday_app.command("list")
def holiday_list() -> None:
    """The directorate's decisions on top of the holidays package."""
    from loket.services.national_calendar import holiday_overrides

    for o in run(holiday_overrides):
        console.print(
            f"{o.day.isoformat()}\t{'day off' if o.day_off else 'cancelled'}\t{o.name}", highlight=False
        )
