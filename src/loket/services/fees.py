"""The national fee schedule as managed data: tariffs added by the directorate, never edited.

A tariff in force on a day is never changed: a new price supersedes it from a later date (a
product's first tariff may start on any date, so that a new deployment can record the one in
force). "Later" is measured in WIT, the first zone to reach a day, so no office has begun that
day under the old price. Each addition is one transaction with its audit row (office `*`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from loket.domain.errors import Conflict, invalid
from loket.domain.fees import FeeSchedule, Product, Tariff
from loket.services.audit import NATIONAL, record
from loket.services.catalog import Catalog
from loket.store import national_repo, offices_repo
from loket.store.database import Database, on_commit

FIRST_ZONE = ZoneInfo("Asia/Jayapura")
KINDS = ("regular", "electronic", "express_surcharge", "free")


@dataclass(frozen=True)
class TariffRow:
    product: str
    effective_from: date
    amount: int
    basis: str
    proof: str | None
    in_force: bool


def product_of(kind: str, validity_years: int | None) -> Product:
    """`regular` + 5 years is `regular_5y`; the surcharge and the free category have no validity."""
    kind = (kind or "").strip().lower()
    if kind in ("regular", "electronic"):
        years = validity_years or 5
        if years not in (5, 10):
            raise invalid("validity_years", "validity_years", "A passport is valid 5 or 10 years")
        return Product(f"{kind}_{years}y")
    try:
        return Product(kind)
    except ValueError as exc:
        raise invalid(
            "product", "product_invalid", "Choose one of: %(choices)s", choices=", ".join(KINDS)
        ) from exc


async def add_tariff(
    db: Database,
    *,
    product: str,
    validity_years: int | None,
    amount: int,
    effective_from: date,
    basis: str,
    proof: str | None = None,
    actor: str,
    now: datetime,
    catalog: Catalog | None = None,
) -> Tariff:
    """Add a tariff from `effective_from`; Conflict when it would edit a tariff in force."""
    found = product_of(product, validity_years)
    basis = " ".join((basis or "").split())
    if not basis or len(basis) > 64:
        raise invalid("basis", "basis_missing", "Name the regulation the tariff is based on")
    if not isinstance(amount, int) or amount < 0 or amount > 100_000_000:
        raise invalid("amount", "amount_invalid", "The amount is a whole number of rupiah, 0 or more")
    proof = " ".join(proof.split()) if proof else None
    tariff = Tariff(found, effective_from, amount, basis)
    today = now.astimezone(FIRST_ZONE).date()
    async with db.write() as conn:
        await national_repo.lock_national(conn)
        have = [k for k in await offices_repo.tariff_keys(conn) if k[0] == found.value]
        if (found.value, effective_from) in {(p, d) for p, d in have}:
            raise Conflict(
                "tariff_exists",
                "A tariff of %(product)s from %(date)s exists; supersede it from a later date, never edit it",
                field="from",
                product=found.value,
                date=effective_from.isoformat(),
            )
        if have and effective_from <= today:
            raise Conflict(
                "tariff_in_force",
                "A new tariff supersedes the one in force from a later date than today (%(today)s)",
                field="from",
                today=today.isoformat(),
            )
        await offices_repo.insert_tariff(conn, tariff, proof)
        await record(
            conn,
            office_code=NATIONAL,
            actor=actor,
            action="fees.add",
            subject=f"{found.value}:{effective_from.isoformat()}",
            detail={"amount": amount, "basis": basis, "proof": proof},
            now=now,
        )
        if catalog is not None:
            on_commit(conn, lambda: catalog.forget())
    return tariff


async def list_tariffs(db: Database, *, on: date | None, now: datetime) -> list[TariffRow]:
    """Every tariff with whether it is in force on `on` (default: today in WIT); with `on`, only those."""
    day = on or now.astimezone(FIRST_ZONE).date()
    async with db.read() as conn:
        rows = [r for r in await offices_repo.tariff_rows(conn) if r.active]
    schedule = FeeSchedule(
        Tariff(Product(r.product), r.effective_from, int(r.amount), r.regulation) for r in rows
    )
    in_force = {
        (t.product.value, t.effective_from)
        for t in (schedule.tariff_for(p, day) for p in schedule.offered(day))
    }
    found = [
        TariffRow(
            r.product,
            r.effective_from,
            int(r.amount),
            r.regulation,
            r.proof,
            (r.product, r.effective_from) in in_force,
        )
        for r in rows
    ]
    return [t for t in found if t.in_force] if on is not None else found
