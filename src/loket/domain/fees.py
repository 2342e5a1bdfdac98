"""The passport fee schedule: tariffs with the date they took effect, in whole rupiah."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from loket.domain.errors import NotFound


class Product(StrEnum):
    """What the applicant pays for; a tariff is set per product."""

    REGULAR_5Y = "regular_5y"
    REGULAR_10Y = "regular_10y"
    ELECTRONIC_5Y = "electronic_5y"
    ELECTRONIC_10Y = "electronic_10y"
    EXPRESS_SURCHARGE = "express_surcharge"
    FREE = "free"


@dataclass(frozen=True)
class Tariff:
    """One product's price from `effective_from` until the next tariff of that product."""

    product: Product
    effective_from: date
    amount: int
    regulation: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool) or self.amount < 0:
            raise ValueError("a tariff is a non-negative whole number of rupiah")


class FeeSchedule:
    """All tariffs; answers which one is in force on a day."""

    def __init__(self, tariffs: Iterable[Tariff]) -> None:
        self._tariffs = sorted(tariffs, key=lambda t: (t.product, t.effective_from))

    def tariffs(self) -> list[Tariff]:
        return list(self._tariffs)

    def tariff_for(self, product: Product | str, on_date: date) -> Tariff:
        """The tariff of `product` in force on `on_date`."""
        product = Product(product)
        current: Tariff | None = None
        for tariff in self._tariffs:
            if tariff.product == product and tariff.effective_from <= on_date:
                current = tariff
        if current is None:
            raise NotFound(
                "no_tariff",
                "No tariff for %(product)s on %(date)s",
                field="product",
                product=product.value,
                date=on_date.isoformat(),
            )
        return current

    def fee_for(self, product: Product | str, on_date: date) -> int:
        """The price of `product` on `on_date`, in whole rupiah."""
        return self.tariff_for(product, on_date).amount

    def offered(self, on_date: date) -> list[Product]:
        """Products with a tariff in force on `on_date`."""
        products = []
        for product in Product:
            try:
                self.tariff_for(product, on_date)
            except NotFound:
                continue
            products.append(product)
        return products


PP_45_2014 = "PP 45/2014"
PNBP_2022 = "PNBP 2022"
PP_45_2024 = "PP 45/2024"

# The real tariffs, as DOMAIN.md gives them (the 2022 row starts on 1 Jan 2022 for want of a
# finer date). Loket offers the 10-year products only from PP 45/2024, when they got their own
# price; before that the schedule has only 5-year products. The 2017 fee includes the
# Rp 55,000 biometrics charge.
OFFICIAL_TARIFFS: tuple[Tariff, ...] = (
    Tariff(Product.REGULAR_5Y, date(2015, 1, 1), 355_000, PP_45_2014),
    Tariff(Product.ELECTRONIC_5Y, date(2015, 1, 1), 655_000, PP_45_2014),
    Tariff(Product.FREE, date(2015, 1, 1), 0, PP_45_2014),
    Tariff(Product.REGULAR_5Y, date(2022, 1, 1), 350_000, PNBP_2022),
    Tariff(Product.ELECTRONIC_5Y, date(2022, 1, 1), 650_000, PNBP_2022),
    Tariff(Product.EXPRESS_SURCHARGE, date(2022, 1, 1), 1_000_000, PNBP_2022),
    Tariff(Product.REGULAR_5Y, date(2024, 12, 17), 350_000, PP_45_2024),
    Tariff(Product.REGULAR_10Y, date(2024, 12, 17), 650_000, PP_45_2024),
    Tariff(Product.ELECTRONIC_5Y, date(2024, 12, 17), 650_000, PP_45_2024),
    Tariff(Product.ELECTRONIC_10Y, date(2024, 12, 17), 950_000, PP_45_2024),
    Tariff(Product.EXPRESS_SURCHARGE, date(2024, 12, 17), 1_000_000, PP_45_2024),
    Tariff(Product.FREE, date(2024, 12, 17), 0, PP_45_2024),
)


def product_code(kind: str, validity_years: int | None) -> Product:
    """Map the booking form's `product` (regular/electronic) and validity to a tariff product."""
    if kind not in ("regular", "electronic"):
        raise ValueError(kind)
    years = validity_years or 5
    if years not in (5, 10):
        raise ValueError(validity_years)
    return Product(f"{kind}_{years}y")
