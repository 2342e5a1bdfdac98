"""Report commands (issue 8), registered by loket.cli: `loket report service|revenue|ikm|targets`
and `loket payments reconcile`. Each is a few lines over a service and a renderer."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from loket.domain.errors import DomainError

if TYPE_CHECKING:
    from loket.domain.reconciliation import Reconciliation
    from loket.services.reconciliation import Imported
    from loket.settings import Settings
    from loket.store.database import Database

T = TypeVar("T")

report_app = typer.Typer(
    help="Reports for the head of office: service (ISO), revenue, satisfaction.", no_args_is_help=True
)

OfficeOpt = Annotated[str, typer.Option("--office", help="Office code, e.g. PLG")]
FromOpt = Annotated[str, typer.Option("--from", help="First day YYYY-MM-DD")]
ToOpt = Annotated[str, typer.Option("--to", help="Last day YYYY-MM-DD")]
LangOpt = Annotated[str, typer.Option("--lang", help="Labels in id (Indonesian) or en")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]error[/red] {message}")
    return typer.Exit(2)


def _run(work: Callable[[Database, Settings], Awaitable[T]]) -> T:
    """Open the configured database, run `work(db, settings)`, close it; domain errors end cleanly."""
    from loket.settings import get_settings
    from loket.store.database import Database

    settings = get_settings()

    async def runner() -> T:
        db = Database.unpooled(settings.database_url)
        try:
            return await work(db, settings)
        finally:
            await db.dispose()

    try:
        return asyncio.run(runner())
    except DomainError as exc:
        extra = f" (line {exc.extra['line']})" if "line" in exc.extra else ""
        raise _fail(f"{exc.code}{extra}: {exc}") from exc


def _day(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise typer.BadParameter(f"{raw!r} is not a date YYYY-MM-DD", param_hint=f"--{name}") from exc


@report_app.command("service")
def service(
    office: OfficeOpt,
    from_: FromOpt,
    to: ToOpt,
    format: Annotated[str, typer.Option("--format", help="csv, xlsx, pdf or json")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout for csv/json)")
    ] = None,
    lang: LangOpt = "id",
) -> None:
    """The ISO service report for a day, a month or any range (csv, xlsx, pdf, json)."""
    from loket.clock import utcnow
    from loket.reports.render import FORMATS, service_report_file
    from loket.services.reports import build_service_report

    if format not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    first, last, code = _day(from_, "from"), _day(to, "to"), office.upper()

    async def work(db: Database, settings: Settings) -> bytes:
        report = await build_service_report(
            db,
            code,
            first,
            last,
            now=utcnow(),
            country=settings.holiday_country,
            max_days=settings.report_max_days,
        )
        return await asyncio.to_thread(service_report_file, report, format, lang)

    body = _run(work)
    if output is None and format in ("xlsx", "pdf"):
        output = Path(f"laporan-layanan-{code}-{first}-{last}.{format}")
    if output is None:
        sys.stdout.write(body.decode())
        return
    output.write_bytes(body)
    Console(stderr=True).print(f"written {output} ({len(body)} bytes)")


def _print_reconciliation(rec: Reconciliation, lang: str) -> None:
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
    console = Console()
    console.print(table)
    for item in rec.items:
        if item.kind.value != "matched":
            amount = item.statement_amount if item.statement_amount is not None else item.loket_amount
            console.print(
                f"{item.kind.value:<18} {item.ntpn:<20} {item.billing_code} {rupiah(amount or 0)} {item.note}"
            )


def payments_reconcile(
    office: OfficeOpt,
    statement: Annotated[
        Path, typer.Option("--statement", help="Bank statement CSV: ntpn,billing_code,amount,paid_at,bank")
    ],
    actor: Annotated[str, typer.Option("--actor", help="Who imports it (audit log)")] = "cli",
    as_json: JsonOpt = False,
    lang: LangOpt = "id",
) -> None:
    """Import a bank statement (idempotent) and reconcile it against the recorded callbacks."""
    from loket.clock import utcnow
    from loket.services.reconciliation import import_statement, reconciliation

    try:
        text = statement.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"cannot read {statement}: {exc}") from exc
    code = office.upper()

    async def work(db: Database, _settings: Settings) -> tuple[Imported, Reconciliation]:
        done = await import_statement(db, code, text, filename=statement.name, actor=actor, now=utcnow())
        return done, await reconciliation(db, code, done.first, done.last, banks_only=done.banks)

    done, rec = _run(work)
    if as_json:
        summary = {k: v.isoformat() if isinstance(v, date) else v for k, v in vars(done).items()}
        typer.echo(json.dumps({"import": summary, **rec.as_dict()}, ensure_ascii=False, indent=2))
        return
    note = "already imported: nothing changed" if done.already_imported else f"{done.added} new line(s)"
    Console().print(f"{statement.name}: {done.lines} line(s), {note}; {done.first} .. {done.last}")
    _print_reconciliation(rec, lang)


@report_app.command("revenue")
def revenue(
    office: OfficeOpt, from_: FromOpt, to: ToOpt, as_json: JsonOpt = False, lang: LangOpt = "id"
) -> None:
    """The PNBP reconciliation of a period from the statements imported so far."""
    from loket.services.reconciliation import reconciliation

    first, last, code = _day(from_, "from"), _day(to, "to"), office.upper()
    rec = _run(lambda db, _s: reconciliation(db, code, first, last))
    if as_json:
        typer.echo(json.dumps(rec.as_dict(), ensure_ascii=False, indent=2))
        return
    _print_reconciliation(rec, lang)


@report_app.command("ikm")
def ikm(office: OfficeOpt, from_: FromOpt, to: ToOpt, as_json: JsonOpt = False) -> None:
    """The satisfaction index (IKM, PermenPAN-RB 14/2017) of a period, per element and month."""
    from loket.services.survey import ikm_between

    first, last, code = _day(from_, "from"), _day(to, "to"), office.upper()
    report = _run(lambda db, _s: ikm_between(db, code, first, last))
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    if report.result is None:
        typer.echo(f"no answers ({report.invited} invited)")
        return
    r = report.result
    typer.echo(f"IKM {r.converted:.2f} grade {r.grade} ({r.performance}); {r.respondents} respondents")
    typer.echo(f"{report.invited} invited in the period")
    for e in r.elements:
        typer.echo(f"  {e.key.upper()} {e.mean:.2f} -> {e.converted:.2f} {e.grade}")


@report_app.command("targets")
def targets(
    office: OfficeOpt,
    stage: Annotated[
        str | None, typer.Option("--stage", help="Stage to set (intake, biometrics, ...)")
    ] = None,
    wait_min: Annotated[float | None, typer.Option("--wait-min", help="Wait target in minutes")] = None,
    service_min: Annotated[
        float | None, typer.Option("--service-min", help="Service target in minutes")
    ] = None,
) -> None:
    """Show the office's wait and service targets per stage, or set one stage's."""
    from loket.clock import utcnow
    from loket.services.reports import set_stage_target, stage_targets

    code = office.upper()
    if stage is not None:
        wait_s = None if wait_min is None else round(wait_min * 60)
        service_s = None if service_min is None else round(service_min * 60)
        _run(
            lambda db, _s: set_stage_target(
                db, code, stage, wait_s=wait_s, service_s=service_s, actor="cli", now=utcnow()
            )
        )
    found = _run(lambda db, _s: stage_targets(db, code))
    table = Table(title=f"{code} targets (minutes)")
    for column in ("stage", "wait", "service", "source"):
        table.add_column(column)
    for t in found.values():
        table.add_row(
            t.stage,
            "–" if t.wait_s is None else f"{t.wait_s / 60:g}",
            "–" if t.service_s is None else f"{t.service_s / 60:g}",
            "default" if t.default else "office",
        )
    Console().print(table)
