"""Security commands (issue 7): the audit chain, ballots, the fraud report, banks' secrets and
personal data; each sub-app is registered by loket.cli with one line."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from loket.clock import utcnow
from loket.domain.errors import DomainError
from loket.logs import install_log_masking
from loket.settings import booking_policy, get_settings
from loket.store.database import Database

T = TypeVar("T")
console = Console()
err = Console(stderr=True)

audit_app = typer.Typer(
    help="The tamper-evident audit log: seal and verify its hash chain.", no_args_is_help=True
)
ballot_app = typer.Typer(
    help="Release modes per office and day; ballots and their public check.", no_args_is_help=True
)
fraud_app = typer.Typer(
    help="Broker patterns among bookings, with evidence and actions.", no_args_is_help=True
)
banks_app = typer.Typer(help="Banks' callback secrets (per bank, rotatable).", no_args_is_help=True)
privacy_app = typer.Typer(
    help="Personal data: one person's export, the retention purge.", no_args_is_help=True
)

Office = Annotated[str, typer.Option(help="Office code, e.g. PLG")]
Day = Annotated[str, typer.Option("--date", help="The day YYYY-MM-DD")]


def _run(work: Callable[[Database], Awaitable[T]]) -> T:
    install_log_masking()
    settings = get_settings()

    async def runner() -> T:
        db = Database(settings.database_url, pool_size=2)
        try:
            return await work(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(runner())
    except DomainError as exc:
        err.print(f"[red]error[/red] {exc.code}: {exc}")
        raise typer.Exit(2) from exc


def _date(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise typer.BadParameter(f"{raw!r} is not a date YYYY-MM-DD", param_hint=f"--{name}") from exc


def _catalog() -> Any:
    from loket.services.catalog import Catalog

    settings = get_settings()
    return Catalog(ttl=0, country=settings.holiday_country)


# --- audit ---------------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(
    office: Annotated[str | None, typer.Option(help="Only this office (default: every chain)")] = None,
    seal: Annotated[bool, typer.Option("--seal/--no-seal", help="Seal pending entries first")] = True,
) -> None:
    """Walk each office's hash chain from the first entry; report the first broken link (exit 1)."""
    from loket.services.audit import verify

    reports = _run(
        lambda db: verify(db, utcnow(), office_code=office.upper() if office else None, seal_first=seal)
    )
    broken = False
    for r in reports:
        if r.intact:
            console.print(
                f"{r.office_code}: intact, {r.sealed} entries sealed, {r.unsealed} pending, "
                f"head {r.head_hash[:16]}"
            )
        else:
            broken = True
            b = r.broken
            assert b is not None
            console.print(
                f"[red]{r.office_code}: BROKEN at seq {b.seq}[/red] "
                f"(entry {b.entry_id or '-'}): {b.kind.value}"
            )
    if broken:
        raise typer.Exit(1)


@audit_app.command("seal")
def audit_seal() -> None:
    """Chain the unsealed tail of every office now (the worker does this every round)."""
    from loket.services.audit import seal_all

    console.print(f"sealed {_run(lambda db: seal_all(db, utcnow()))} entries")


@audit_app.command("head")
def audit_head(office: Office) -> None:
    """Print the office's chain head (seq and hash): record it elsewhere to anchor the chain."""
    from loket.store import audit_repo

    async def work(db: Database) -> tuple[int, str] | None:
        async with db.read() as conn:
            return await audit_repo.head(conn, office.upper())

    head = _run(work)
    console.print(
        f"{office.upper()} {head[0]} {head[1]}" if head else f"{office.upper()} has no sealed entry"
    )


# --- ballots -------------------------------------------------------------------------------------


@ballot_app.command("schedule")
def ballot_schedule(
    office: Office,
    day: Day,
    opens: Annotated[str, typer.Option(help="Entries (or bookings) open: YYYY-MM-DDTHH:MM, office time")],
    closes: Annotated[
        str | None, typer.Option(help="Ballot entries close: YYYY-MM-DDTHH:MM, office time")
    ] = None,
    mode: Annotated[str, typer.Option(help="ballot or fcfs")] = "ballot",
) -> None:
    """Release a day by ballot (prints the seed's SHA-256 commitment to publish) or fcfs at a set time."""
    from loket.services.ballot import schedule_release

    async def work(db: Database) -> Any:
        from loket.store import offices_repo

        async with db.read() as conn:
            zone = ZoneInfo((await offices_repo.load_office(conn, office.upper())).timezone)

        def moment(raw: str) -> datetime:
            parsed = datetime.fromisoformat(raw)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)

        return await schedule_release(
            db,
            _catalog(),
            office.upper(),
            _date(day, "date"),
            mode,
            moment(opens),
            moment(closes) if closes else None,
            actor="cli",
            now=utcnow(),
        )

    release = _run(work)
    console.print(
        f"{release.office_code} {release.day} {release.mode.value} opens {release.opens_at.isoformat()}"
    )
    if release.commitment:
        console.print(f"commitment (publish now): {release.commitment}")


@ballot_app.command("draw")
def ballot_draw_command(office: Office, day: Day) -> None:
    """Draw a closed ballot now (the worker draws due ballots by itself)."""
    from loket.services.ballot_draw import draw_ballot

    settings = get_settings()
    done = _run(
        lambda db: draw_ballot(
            db,
            _catalog(),
            office.upper(),
            _date(day, "date"),
            policy=booking_policy(settings),
            actor="cli",
            now=utcnow(),
        )
    )
    console.print(
        f"{done.office_code} {done.day}: {done.entries} entries, {done.won} booked, "
        f"{done.waitlisted} waiting, {done.ineligible} ineligible; seed {done.seed}"
    )


@ballot_app.command("verify")
def ballot_verify(office: Office, day: Day) -> None:
    """Re-run a drawn ballot from its seed and entries: the commitment, the order and every outcome."""
    from loket.services.ballot_draw import verify_ballot

    check = _run(lambda db: verify_ballot(db, office.upper(), _date(day, "date")))
    for problem in check.problems:
        console.print(f"[red]{problem}[/red]")
    if not check.ok:
        raise typer.Exit(1)
    console.print(f"{check.office_code} {check.day}: the draw of {check.entries} entries checks out")


# --- fraud ---------------------------------------------------------------------------------------


@fraud_app.command("report")
def fraud_report(
    office: Office,
    from_: Annotated[str, typer.Option("--from", help="First appointment day YYYY-MM-DD")],
    to: Annotated[str, typer.Option(help="Last appointment day YYYY-MM-DD")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Clusters of bookings sharing a phone, e-mail, device, address or payer; bursts; odd NIKs; no-shows."""
    from loket.services.fraud import finding_dict
    from loket.services.fraud import fraud_report as report

    findings = _run(lambda db: report(db, office.upper(), _date(from_, "from"), _date(to, "to")))
    if as_json:
        typer.echo(json.dumps([finding_dict(f) for f in findings], indent=2, ensure_ascii=False))
        return
    if not findings:
        console.print("no broker pattern found")
    for f in findings:
        console.print(
            f"[bold]{f.kind.value}[/bold] ({f.severity}) {f.key}: "
            f"{len(f.niks)} NIKs, {len(f.bookings)} bookings"
        )
        console.print(f"  evidence: {json.dumps(f.evidence, ensure_ascii=False)}")
        console.print(f"  bookings: {' '.join(f.bookings[:20])}{' ...' if len(f.bookings) > 20 else ''}")
        console.print(f"  action: {f.action}")


# --- banks ---------------------------------------------------------------------------------------


@banks_app.command("rotate")
def banks_rotate(
    bank: Annotated[str, typer.Option(help="Bank code, e.g. BNI")],
    finish: Annotated[bool, typer.Option("--finish", help="Stop accepting the previous secret")] = False,
) -> None:
    """Give the bank a new callback secret; the old one stays valid until `--finish`."""
    from loket.services.banks import finish_rotation, rotate_secret

    if finish:
        _run(lambda db: finish_rotation(db, bank, actor="cli", now=utcnow()))
        console.print(f"{bank.upper()}: previous secret no longer accepted")
        return
    secret = _run(lambda db: rotate_secret(db, bank, actor="cli", now=utcnow()))
    console.print(f"{bank.upper()} new secret (give it to the bank; shown once): {secret}")


@banks_app.command("list")
def banks_list() -> None:
    """The banks and whether a secret rotation is in progress."""
    from loket.services.banks import list_banks

    for b in _run(list_banks):
        console.print(
            f"{b['code']}\t{'active' if b['active'] else 'inactive'}\t{'rotating' if b['rotating'] else ''}"
        )


# --- personal data -------------------------------------------------------------------------------


@privacy_app.command("export")
def privacy_export(
    office: Annotated[str | None, typer.Option(help="Only this office (default: all)")] = None,
) -> None:
    """Print everything kept about one person as JSON; asks for the NIK (never on the command line)."""
    from loket.services.privacy import export_person

    nik = typer.prompt("NIK", hide_input=True)
    data = _run(
        lambda db: export_person(
            db, nik, actor="cli", now=utcnow(), office_code=office.upper() if office else None
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

    keep = get_settings().retention_days if days is None else days
    done = _run(lambda db: purge_personal_data(db, utcnow(), keep))
    console.print(", ".join(f"{k} {v}" for k, v in done.items()))
