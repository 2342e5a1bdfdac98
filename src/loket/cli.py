"""The `loket` command: the front door. Each command is a few lines over a service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from loket import cli_floor, cli_history, cli_planning, cli_reports, cli_security
from loket.clock import utcnow
from loket.domain.errors import DomainError
from loket.formatting import long_date
from loket.i18n import translate
from loket.settings import Settings, get_settings
from loket.store.database import Database

T = TypeVar("T")

app = typer.Typer(
    help="Loket: the passport service of an immigration office, end to end.\n\n"
    "Set LOKET_DATABASE_URL to choose the database (default sqlite:///./loket.db).",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo offices (Palembang, Denpasar).", no_args_is_help=True)
calendar_app = typer.Typer(
    help="Working-day calendar: service days, closures, SLA due dates.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(calendar_app, name="calendar")
quota_app = typer.Typer(
    help="Daily quotas: the weekly template and single-day overrides.", no_args_is_help=True
)
payments_app = typer.Typer(
    help="Bank payments: callbacks, demos and reconciliation with bank statements.", no_args_is_help=True
)
app.add_typer(quota_app, name="quota")
app.add_typer(payments_app, name="payments")
app.add_typer(cli_floor.staff_app, name="staff")
app.add_typer(cli_security.audit_app, name="audit")
app.add_typer(cli_security.ballot_app, name="ballot")
app.add_typer(cli_security.fraud_app, name="fraud")
app.add_typer(cli_security.banks_app, name="banks")
app.add_typer(cli_security.privacy_app, name="privacy")
app.add_typer(cli_reports.report_app, name="report")
app.add_typer(cli_planning.forecast_app, name="forecast")
app.add_typer(cli_planning.staffing_app, name="staffing")
app.command("simulate")(cli_planning.simulate)
app.command("plan")(cli_planning.plan)
app.add_typer(cli_history.history_app, name="history")
quota_app.command("plan")(cli_history.quota_plan)
payments_app.command("reconcile")(cli_reports.payments_reconcile)

console = Console()
err_console = Console(stderr=True)


def run_with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Open the configured database, run `work`, close it; domain errors end the command cleanly."""

    async def runner() -> T:
        db = Database(settings.database_url, pool_size=2)
        try:
            return await work(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(runner())
    except DomainError as exc:
        err_console.print(f"[red]error[/red] {exc.code}: {exc}")
        raise typer.Exit(2) from exc


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Option(help="Target revision")] = "head") -> None:
    """Migrate the configured database to the latest schema."""
    from loket.store.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url, revision)
    console.print(f"database at {revision}: {settings.database_url}")


@demo_app.command("load")
def demo_load(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when the database has no office")
    ] = False,
) -> None:
    """Load the demo offices, calendar, fees, sessions and stations (safe to run again)."""
    from loket.services.demo import has_offices, load_demo

    settings = get_settings()

    async def work(db: Database) -> list[str] | None:
        if if_empty and await has_offices(db):
            return None
        return await load_demo(db, now=utcnow())

    added = run_with_db(settings, work)
    if added is None:
        console.print("offices present; demo not loaded")
    else:
        console.print(f"demo loaded: {', '.join(added) if added else 'nothing new'}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int | None, typer.Option(help="Server processes")] = None,
) -> None:
    """Serve the web app (JSON API under /api/v1, pages, OpenAPI docs at /docs)."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "loket.web.main:app",
        factory=False,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        access_log=False,
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
    start_day = _parse_date(start, "start")
    due = run_with_db(
        settings, lambda db: due_date(db, office.upper(), start_day, days, settings.holiday_country)
    )
    typer.echo(due.isoformat())


@calendar_app.command("show")
def calendar_show(
    office: Annotated[str, typer.Option(help="Office code, e.g. PLG")],
    month: Annotated[str, typer.Option(help="Month YYYY-MM")],
    lang: Annotated[str, typer.Option(help="id or en")] = "id",
) -> None:
    """Print one month of the office's calendar with holidays, closures and extra days named."""
    from datetime import timedelta

    from loket.services.offices import calendar_days

    settings = get_settings()
    first = _parse_date(f"{month}-01", "month")
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    found, days = run_with_db(
        settings,
        lambda db: calendar_days(db, office.upper(), first, last, settings.holiday_country),
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

    settings = get_settings()
    first, last = _parse_date(from_, "from"), _parse_date(to, "to")
    run_with_db(
        settings,
        lambda db: declare_closure(db, office.upper(), first, last, reason, actor="cli", now=utcnow()),
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

    settings = get_settings()
    when = _parse_date(day, "date")
    run_with_db(
        settings,
        lambda db: declare_extra_day(db, office.upper(), when, reason, actor="cli", now=utcnow()),
    )
    console.print(f"{office.upper()} serves on {when}: {reason}")


@quota_app.command("set")
def quota_set(
    office: Annotated[str, typer.Option(help="Office code")],
    day: Annotated[str, typer.Option("--date", help="The day YYYY-MM-DD")],
    category: Annotated[str, typer.Option(help="regular, priority or express")],
    capacity: Annotated[int, typer.Option(help="Places that day, spread over the sessions")],
) -> None:
    """Override one day's capacity for a category (never below the places already booked)."""
    from loket.services.catalog import Catalog
    from loket.services.quotas import set_day_capacity

    settings = get_settings()
    when = _parse_date(day, "date")
    alloc = run_with_db(
        settings,
        lambda db: set_day_capacity(
            db,
            Catalog(ttl=0, country=settings.holiday_country),
            office.upper(),
            when,
            category,
            capacity,
            actor="cli",
            now=utcnow(),
        ),
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
    run_with_db(
        settings,
        lambda db: set_template(db, office.upper(), weekday, category, capacity, actor="cli", now=utcnow()),
    )
    console.print(f"{office.upper()} weekday {weekday} {category}: {capacity} a day")


@payments_app.command("simulate")
def payments_simulate(
    billing_code: Annotated[str, typer.Option(help="The 15-digit billing code to pay")],
    amount: Annotated[int | None, typer.Option(help="Rupiah paid (default: the billed amount)")] = None,
    bank: Annotated[str, typer.Option(help="Bank code")] = "BNI",
    ntpn: Annotated[str | None, typer.Option(help="Receipt number (default: random)")] = None,
    url: Annotated[str | None, typer.Option(help="Server base URL (default: http://HOST:PORT)")] = None,
) -> None:
    """Send a correctly signed bank callback for a billing code, as the bank would."""
    import secrets as secrets_module

    import httpx

    from loket.domain.payment import SIGNATURE_HEADER, sign
    from loket.services.payments import bank_secret, billed_amount

    settings = get_settings()

    async def work(db: Database) -> tuple[str, int]:
        return await bank_secret(db, bank), await billed_amount(db, billing_code)

    secret, billed = run_with_db(settings, work)
    body = {
        "billing_code": billing_code,
        "amount": billed if amount is None else amount,
        "paid_at": utcnow().isoformat(),
        "ntpn": ntpn or secrets_module.token_hex(8).upper(),
        "bank": bank.upper(),
    }
    import json

    raw = json.dumps(body).encode()
    base = url or f"http://{settings.host}:{settings.port}"
    response = httpx.post(
        f"{base}/api/v1/payments/bank-callback",
        content=raw,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, raw)},
        timeout=30,
    )
    console.print(f"{response.status_code} {response.text}")
    if response.status_code >= 400:
        raise typer.Exit(1)


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run one round and exit")] = False,
) -> None:
    """Background work: lapse unpaid holds (places return to the pool) and open days for booking."""
    from loket.services.worker import run_worker

    settings = get_settings()
    rounds = run_with_db(settings, lambda db: run_worker(db, settings, once=once, log=console.print))
    console.print(f"worker stopped after {rounds} round(s)")


def _parse_date(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise typer.BadParameter(f"{raw!r} is not a date YYYY-MM-DD", param_hint=f"--{name}") from exc


def main() -> None:
    """Entry point of the `loket` script."""
    app()
