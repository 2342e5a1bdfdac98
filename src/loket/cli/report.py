"""`loket report`: the head of office's reports (service, revenue, satisfaction) and stage targets."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from loket.cli.payments import print_reconciliation
from loket.cli.runner import console, err_console, parse_date, run
from loket.clock import utcnow
from loket.settings import get_settings
from loket.store.database import Database

report_app = typer.Typer(
    help="Reports for the head of office: service (ISO), revenue, satisfaction.", no_args_is_help=True
)

OfficeOpt = Annotated[str, typer.Option("--office", help="Office code, e.g. PLG")]
FromOpt = Annotated[str, typer.Option("--from", help="First day YYYY-MM-DD")]
ToOpt = Annotated[str, typer.Option("--to", help="Last day YYYY-MM-DD")]
LangOpt = Annotated[str, typer.Option("--lang", help="Labels in id (Indonesian) or en")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]


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
    from loket.reports.render import FORMATS, service_report_file
    from loket.services.reports import build_service_report

    if format not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    first, last, code = parse_date(from_, "from"), parse_date(to, "to"), office.upper()
    settings = get_settings()

    async def work(db: Database) -> bytes:
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

    body = run(work, settings=settings)
    if output is None and format in ("xlsx", "pdf"):
        output = Path(f"laporan-layanan-{code}-{first}-{last}.{format}")
    if output is None:
        sys.stdout.write(body.decode())
        return
    output.write_bytes(body)
    err_console.print(f"written {output} ({len(body)} bytes)")


@report_app.command("revenue")
def revenue(
    office: OfficeOpt, from_: FromOpt, to: ToOpt, as_json: JsonOpt = False, lang: LangOpt = "id"
) -> None:
    """The PNBP reconciliation of a period from the statements imported so far."""
    from loket.services.reconciliation import reconciliation

    first, last, code = parse_date(from_, "from"), parse_date(to, "to"), office.upper()
    rec = run(lambda db: reconciliation(db, code, first, last))
    if as_json:
        typer.echo(json.dumps(rec.as_dict(), ensure_ascii=False, indent=2))
        return
    print_reconciliation(rec, lang)


@report_app.command("ikm")
def ikm(office: OfficeOpt, from_: FromOpt, to: ToOpt, as_json: JsonOpt = False) -> None:
    """The satisfaction index (IKM, PermenPAN-RB 14/2017) of a period, per element and month."""
    from loket.services.survey import ikm_between

    first, last, code = parse_date(from_, "from"), parse_date(to, "to"), office.upper()
    report = run(lambda db: ikm_between(db, code, first, last))
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
    from loket.services.reports import set_stage_target, stage_targets

    code = office.upper()
    if stage is not None:
        wait_s = None if wait_min is None else round(wait_min * 60)
        service_s = None if service_min is None else round(service_min * 60)
        run(
            lambda db: set_stage_target(
                db, code, stage, wait_s=wait_s, service_s=service_s, actor="cli", now=utcnow()
            )
        )
    found = run(lambda db: stage_targets(db, code))
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
    console.print(table)
