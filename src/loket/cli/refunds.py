"""`loket payments refunds`: the refund workflow (list, approve, reject, mark paid) and net revenue."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from loket.cli.runner import console, parse_date, run
from loket.clock import utcnow
from loket.store.database import Database

if TYPE_CHECKING:
    from loket.domain.refund import RevenueDay
    from loket.services.refunds import Refund

refunds_app = typer.Typer(
    help="Refunds: due, approved or rejected by a supervisor, paid with the bank's reference.",
    no_args_is_help=True,
)
OfficeOpt = Annotated[str, typer.Option("--office", help="Office code, e.g. PLG")]
ActorOpt = Annotated[str, typer.Option("--actor", help="The supervisor deciding (audit log)")]


def _print(rows: list[Refund]) -> None:
    from loket.formatting import rupiah

    table = Table(title="Refunds")
    for column in ("refund", "booking", "reason", "amount", "status", "bank reference"):
        table.add_column(column, justify="right" if column == "amount" else "left")
    for r in rows:
        table.add_row(
            r.refund_id, r.booking_code, r.reason, rupiah(r.amount), r.status, r.bank_reference or ""
        )
    console.print(table)


@refunds_app.command("list")
def list_refunds(
    office: OfficeOpt,
    status: Annotated[str | None, typer.Option("--status", help="due, approved, rejected or paid")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """The office's refunds, oldest first."""
    from loket.services.refunds import refunds

    async def work(db: Database) -> list[Refund]:
        return await refunds(db, office.upper(), status=status)

    rows = run(work)
    if as_json:
        typer.echo(json.dumps([vars(r) for r in rows], default=str, ensure_ascii=False, indent=2))
    else:
        _print(rows)


@refunds_app.command("approve")
def approve(refund_id: str, office: OfficeOpt, actor: ActorOpt, note: str = "") -> None:
    """Approve a refund that is due."""
    from loket.services.refunds import decide_refund

    async def work(db: Database) -> Refund:
        return await decide_refund(
            db, office.upper(), refund_id, approve=True, note=note, actor=actor, now=utcnow()
        )

    _print([run(work)])


@refunds_app.command("reject")
def reject(
    refund_id: str,
    office: OfficeOpt,
    actor: ActorOpt,
    note: Annotated[str, typer.Option("--note", help="Why (required)")] = "",
) -> None:
    """Reject a refund that is due, saying why."""
    from loket.services.refunds import decide_refund

    async def work(db: Database) -> Refund:
        return await decide_refund(
            db, office.upper(), refund_id, approve=False, note=note, actor=actor, now=utcnow()
        )

    _print([run(work)])


@refunds_app.command("paid")
def paid(
    refund_id: str,
    office: OfficeOpt,
    actor: ActorOpt,
    bank_reference: Annotated[str, typer.Option("--bank-reference", help="The bank's transfer reference")],
) -> None:
    """Record that an approved refund was transferred."""
    from loket.services.refunds import mark_refund_paid

    async def work(db: Database) -> Refund:
        return await mark_refund_paid(
            db, office.upper(), refund_id, bank_reference=bank_reference, actor=actor, now=utcnow()
        )

    _print([run(work)])


@refunds_app.command("revenue")
def revenue(
    office: OfficeOpt,
    from_: Annotated[str, typer.Option("--from", help="First day YYYY-MM-DD")],
    to: Annotated[str, typer.Option("--to", help="Last day YYYY-MM-DD")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Money received per day, the refunds of it by status, and net revenue."""
    from loket.formatting import rupiah
    from loket.services.refunds import net_revenue

    first, last = parse_date(from_, "from"), parse_date(to, "to")

    async def work(db: Database) -> list[RevenueDay]:
        return await net_revenue(db, office.upper(), first, last)

    days = run(work)
    if as_json:
        rows = [{**vars(d), "day": d.day.isoformat(), "net": d.net} for d in days]
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="PNBP net")
    for column in ("day", "received", "due", "approved", "paid", "net"):
        table.add_column(column, justify="left" if column == "day" else "right")
    for d in days:
        table.add_row(
            d.day.isoformat(),
            rupiah(d.received),
            rupiah(d.refund_due),
            rupiah(d.refund_approved),
            rupiah(d.refund_paid),
            rupiah(d.net),
        )
    console.print(table)
