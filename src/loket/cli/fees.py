"""`loket fees`: the national fee schedule: add a tariff (never edit one), list them."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from loket.cli.runner import catalog, console, parse_date, run
from loket.clock import utcnow
from loket.formatting import rupiah
from loket.settings import get_settings

fees_app = typer.Typer(help="Fee tariffs: added from a date, superseded, never edited.", no_args_is_help=True)


@fees_app.command("add")
def fees_add(
    product: Annotated[str, typer.Option(help="regular, electronic, express_surcharge or free")],
    amount: Annotated[int, typer.Option(help="Whole rupiah, e.g. 350000")],
    from_: Annotated[str, typer.Option("--from", help="First day in force YYYY-MM-DD")],
    basis: Annotated[str, typer.Option(help='The regulation, e.g. "PP 45/2024"')],
    validity_years: Annotated[int | None, typer.Option(help="5 or 10 (regular and electronic)")] = None,
    proof: Annotated[
        str | None, typer.Option(help="What the officer must see to grant it (free categories)")
    ] = None,
) -> None:
    """Add a tariff in force from --from; a tariff in force is superseded from a later date, never edited."""
    from loket.services.fees import add_tariff

    settings = get_settings()
    start = parse_date(from_, "from")
    tariff = run(
        lambda db: add_tariff(
            db,
            product=product,
            validity_years=validity_years,
            amount=amount,
            effective_from=start,
            basis=basis,
            proof=proof,
            actor="cli",
            now=utcnow(),
            catalog=catalog(settings),
        ),
        settings=settings,
    )
    console.print(
        f"{tariff.product.value} {rupiah(tariff.amount)} from {tariff.effective_from.isoformat()}"
        f" ({tariff.regulation})"
    )


@fees_app.command("list")
def fees_list(
    on: Annotated[str | None, typer.Option(help="Only the tariffs in force on this day YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """The tariffs, and which are in force (today, or on --on)."""
    from loket.services.fees import list_tariffs

    day = parse_date(on, "on") if on else None
    rows = run(lambda db: list_tariffs(db, on=day, now=utcnow()))
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "product": r.product,
                        "from": r.effective_from.isoformat(),
                        "amount": r.amount,
                        "basis": r.basis,
                        "proof": r.proof,
                        "in_force": r.in_force,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    for r in rows:
        mark = "*" if r.in_force else " "
        console.print(
            f"{mark} {r.product}\t{r.effective_from.isoformat()}\t{rupiah(r.amount)}\t{r.basis}"
            f"\t{r.proof or ''}",
            highlight=False,
        )
