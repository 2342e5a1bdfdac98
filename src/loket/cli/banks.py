"""`loket banks`: the banks' callback secrets, per bank and rotatable."""

from __future__ import annotations

from typing import Annotated

import typer

from loket.cli.runner import console, run
from loket.clock import utcnow

banks_app = typer.Typer(help="Banks' callback secrets (per bank, rotatable).", no_args_is_help=True)


@banks_app.command("rotate")
def banks_rotate(
    bank: Annotated[str, typer.Option(help="Bank code, e.g. BNI")],
    finish: Annotated[bool, typer.Option("--finish", help="Stop accepting the previous secret")] = False,
) -> None:
    """Give the bank a new callback secret; the old one stays valid until `--finish`."""
    from loket.services.banks import finish_rotation, rotate_secret

    if finish:
        run(lambda db: finish_rotation(db, bank, actor="cli", now=utcnow()))
        console.print(f"{bank.upper()}: previous secret no longer accepted")
        return
    secret = run(lambda db: rotate_secret(db, bank, actor="cli", now=utcnow()))
    console.print(f"{bank.upper()} new secret (give it to the bank; shown once): {secret}")


@banks_app.command("list")
def banks_list() -> None:
    """The banks and whether a secret rotation is in progress."""
    from loket.services.banks import list_banks

    for b in run(list_banks):
        console.print(
            f"{b['code']}\t{'active' if b['active'] else 'inactive'}\t{'rotating' if b['rotating'] else ''}"
        )


@banks_app.command("add")
def banks_add(
    code: Annotated[str, typer.Option(help="Bank code, e.g. BNI")],
    name: Annotated[str, typer.Option(help='The bank\'s name, e.g. "Bank Negara Indonesia"')],
) -> None:
    """Register a designated bank; prints its callback secret once (give it to the bank)."""
    from loket.services.banks import register_bank

    secret = run(lambda db: register_bank(db, code, name, actor="cli", now=utcnow()))
    typer.echo(f"{code.upper()} added; callback secret (give it to the bank; shown once): {secret}")


@banks_app.command("disable")
def banks_disable(code: Annotated[str, typer.Option(help="Bank code")]) -> None:
    """Refuse the bank's callbacks from now on (payments already received stay)."""
    from loket.services.banks import set_bank_active

    run(lambda db: set_bank_active(db, code, False, actor="cli", now=utcnow()))
    console.print(f"{code.upper()} disabled")


@banks_app.command("enable")
def banks_enable(code: Annotated[str, typer.Option(help="Bank code")]) -> None:
    """Accept a disabled bank's callbacks again."""
    from loket.services.banks import set_bank_active

    run(lambda db: set_bank_active(db, code, True, actor="cli", now=utcnow()))
    console.print(f"{code.upper()} enabled")
