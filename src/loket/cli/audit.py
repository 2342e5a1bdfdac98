"""`loket audit`: the tamper-evident audit log; seal and verify its hash chain."""

from __future__ import annotations

from typing import Annotated

import typer

from loket.cli.options import Office
from loket.cli.runner import console, run
from loket.clock import utcnow

audit_app = typer.Typer(
    help="The tamper-evident audit log: seal and verify its hash chain.", no_args_is_help=True
)


@audit_app.command("verify")
def audit_verify(
    office: Annotated[str | None, typer.Option(help="Only this office (default: every chain)")] = None,
    seal: Annotated[bool, typer.Option("--seal/--no-seal", help="Seal pending entries first")] = True,
) -> None:
    """Walk each office's hash chain from the first entry; report the first broken link (exit 1)."""
    from loket.services.audit import verify

    reports = run(
        lambda db: verify(db, utcnow(), office_code=office.upper() if office else None, seal_first=seal)
    )
    broken = False
    for r in reports:
        if r.intact:
            console.print(
                f"{r.office_code}: intact, {r.sealed} entries sealed, {r.unsealed} pending, "
                f"head {r.head_hash[:16]}"
            )
        elif r.broken is not None:
            broken = True
            b = r.broken
            console.print(
                f"[red]{r.office_code}: BROKEN at seq {b.seq}[/red] "
                f"(entry {b.entry_id or '-'}): {b.kind.value}"
            )
        if r.foreign:
            broken = True
            console.print(
                f"[red]{r.office_code}: {len(r.foreign)} entries not written by Loket, refused[/red]: "
                + ", ".join(r.foreign[:20])
            )
    if broken:
        raise typer.Exit(1)


@audit_app.command("seal")
def audit_seal() -> None:
    """Chain the unsealed tail of every office now (the worker does this every round)."""
    from loket.services.audit import seal_all

    console.print(f"sealed {run(lambda db: seal_all(db, utcnow()))} entries")


@audit_app.command("head")
def audit_head(office: Office) -> None:
    """Print the office's chain head (seq and hash): record it elsewhere to anchor the chain."""
    from loket.services.audit import chain_head

    head = run(lambda db: chain_head(db, office.upper()))
    console.print(
        f"{office.upper()} {head[0]} {head[1]}" if head else f"{office.upper()} has no sealed entry"
    )
