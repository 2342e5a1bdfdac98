"""`loket fraud`: broker patterns among bookings, with their evidence and the action to take."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from loket.cli.options import Office
from loket.cli.runner import console, parse_date, run

fraud_app = typer.Typer(
    help="Broker patterns among bookings, with evidence and actions.", no_args_is_help=True
)


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

    first, last = parse_date(from_, "from"), parse_date(to, "to")
    findings = run(lambda db: report(db, office.upper(), first, last))
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
