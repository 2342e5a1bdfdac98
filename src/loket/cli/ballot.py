"""`loket ballot`: how a day is released (ballot or first come at a set time), the draw and its check."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from loket.cli.options import Day, Office
from loket.cli.runner import catalog, console, parse_date, run
from loket.clock import utcnow
from loket.settings import booking_policy, get_settings
from loket.store.database import Database

if TYPE_CHECKING:
    from loket.domain.ballot import Release

ballot_app = typer.Typer(
    help="Release modes per office and day; ballots and their public check.", no_args_is_help=True
)


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

    settings = get_settings()
    offices = catalog(settings)
    when = parse_date(day, "date")

    async def work(db: Database) -> Release:
        # Times typed without a zone are the office's wall clock (WIB, WITA or WIT).
        zone = ZoneInfo((await offices.get(db, office.upper())).office.timezone)

        def moment(raw: str) -> datetime:
            parsed = datetime.fromisoformat(raw)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)

        return await schedule_release(
            db,
            offices,
            office.upper(),
            when,
            mode,
            moment(opens),
            moment(closes) if closes else None,
            actor="cli",
            now=utcnow(),
        )

    release = run(work, settings=settings)
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
    when = parse_date(day, "date")
    done = run(
        lambda db: draw_ballot(
            db,
            catalog(settings),
            office.upper(),
            when,
            policy=booking_policy(settings),
            actor="cli",
            now=utcnow(),
            local_codes=settings.billing_provider == "local",
        ),
        settings=settings,
    )
    console.print(
        f"{done.office_code} {done.day}: {done.entries} entries, {done.won} booked, "
        f"{done.waitlisted} waiting, {done.ineligible} ineligible; seed {done.seed}"
    )


@ballot_app.command("verify")
def ballot_verify(office: Office, day: Day) -> None:
    """Re-run a drawn ballot from its seed and entries: the commitment, the order and every outcome."""
    from loket.services.ballot_draw import verify_ballot

    when = parse_date(day, "date")
    check = run(lambda db: verify_ballot(db, office.upper(), when))
    for problem in check.problems:
        console.print(f"[red]{problem}[/red]")
    if not check.ok:
        raise typer.Exit(1)
    console.print(f"{check.office_code} {check.day}: the draw of {check.entries} entries checks out")
