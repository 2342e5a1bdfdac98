"""`loket payments`: bank callbacks as the bank sends them, and reconciliation with bank statements."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from loket.cli.refunds import refunds_app
from loket.cli.runner import console, fail, run
from loket.clock import utcnow
from loket.settings import get_settings
from loket.store.database import Database

if TYPE_CHECKING:
    from loket.domain.reconciliation import Reconciliation
    from loket.services.reconciliation import Imported

payments_app = typer.Typer(
    help="Bank payments: callbacks, demos and reconciliation with bank statements.", no_args_is_help=True
)
payments_app.add_typer(refunds_app, name="refunds")


@payments_app.command("reconcile")
def payments_reconcile(
    office: Annotated[str, typer.Option("--office", help="Office code, e.g. PLG")],
    file: Annotated[Path | None, typer.Argument(help="The statement file, as the bank exported it")] = None,
    statement: Annotated[
        Path | None, typer.Option("--statement", help="Loket CSV: ntpn,billing_code,amount,paid_at,bank")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("--format", help="loket (Loket's CSV), mt940, camt053 or csv (the bank's mapped CSV)"),
    ] = "loket",
    bank: Annotated[
        str | None, typer.Option("--bank", help="The bank whose statement it is, e.g. BNI")
    ] = None,
    actor: Annotated[str, typer.Option("--actor", help="Who imports it (audit log)")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Labels in id (Indonesian) or en")] = "id",
) -> None:
    """Import a bank statement (idempotent) and reconcile it against the recorded callbacks."""
    from loket.domain.statements import FORMATS
    from loket.services.reconciliation import import_bank_statement, reconciliation

    path = file or statement
    if path is None:
        raise typer.BadParameter("name the statement file", param_hint="FILE")
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    if fmt != "loket" and not bank:
        raise typer.BadParameter("say whose statement it is, e.g. --bank BNI", param_hint="--bank")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc}") from exc
    code = office.upper()

    async def work(db: Database) -> tuple[Imported, Reconciliation]:
        done = await import_bank_statement(
            db, code, raw, fmt=fmt, bank=bank or "", filename=path.name, actor=actor, now=utcnow()
        )
        return done, await reconciliation(db, code, done.first, done.last, banks_only=done.banks)

    done, rec = run(work)
    if as_json:
        summary = {k: v.isoformat() if isinstance(v, date) else v for k, v in vars(done).items()}
        typer.echo(json.dumps({"import": summary, **rec.as_dict()}, ensure_ascii=False, indent=2))
        return
    note = "already imported: nothing changed" if done.already_imported else f"{done.added} new line(s)"
    console.print(f"{path.name}: {done.lines} line(s), {note}; {done.first} .. {done.last}")
    print_reconciliation(rec, lang)


@payments_app.command("simulate")
def payments_simulate(
    billing_code: Annotated[str, typer.Option(help="The 15-digit billing code to pay")],
    amount: Annotated[int | None, typer.Option(help="Rupiah paid (default: the billed amount)")] = None,
    bank: Annotated[str, typer.Option(help="Bank code")] = "BNI",
    ntpn: Annotated[str | None, typer.Option(help="Receipt number (default: random)")] = None,
    url: Annotated[str | None, typer.Option(help="Server base URL (default: http://HOST:PORT)")] = None,
) -> None:
    """Send a correctly signed bank callback for a billing code, as the bank would."""
    import secrets

    import httpx

    from loket.domain.payment import SIGNATURE_HEADER, sign
    from loket.services.payments import bank_secret, billed_amount

    settings = get_settings()

    async def work(db: Database) -> tuple[str, int]:
        return await bank_secret(db, bank), await billed_amount(db, billing_code)

    secret, billed = run(work, settings=settings)
    body = {
        "billing_code": billing_code,
        "amount": billed if amount is None else amount,
        "paid_at": utcnow().isoformat(),
        "ntpn": ntpn or secrets.token_hex(8).upper(),
        "bank": bank.upper(),
    }
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


def print_reconciliation(rec: Reconciliation, lang: str) -> None:
    """The PNBP totals per kind, then every line that did not match (also `loket report revenue`)."""
    from loket.formatting import rupiah
    from loket.reports.labels import KINDS, label

    table = Table(title="PNBP")
    for column in ("kind", "lines", "statement", "loket", "refund due"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for kind, tot in rec.totals().items():
        table.add_row(
            label(KINDS, kind.value, lang),
            str(tot.count),
            rupiah(tot.statement),
            rupiah(tot.loket),
            rupiah(tot.refund),
        )
    table.add_row(
        "total",
        str(len(rec.items)),
        rupiah(rec.statement_total),
        rupiah(rec.loket_total),
        rupiah(rec.refund_total),
    )
    console.print(table)
    for item in rec.items:
        if item.kind.value != "matched":
            amount = item.statement_amount if item.statement_amount is not None else item.loket_amount
            console.print(
                f"{item.kind.value:<18} {item.ntpn:<20} {item.billing_code} {rupiah(amount or 0)} {item.note}"
            )
