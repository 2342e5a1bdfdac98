"""The fee schedule: the tariff in force on a day, in whole rupiah."""

from __future__ import annotations

from datetime import date

import pytest

from loket.domain.errors import NotFound
from loket.domain.fees import (
    OFFICIAL_TARIFFS,
    PP_45_2014,
    PP_45_2024,
    FeeSchedule,
    Product,
    Tariff,
    product_code,
)

SCHEDULE = FeeSchedule(OFFICIAL_TARIFFS)
P = Product


@pytest.mark.parametrize(
    ("product", "day", "amount"),
    [
        # 2017 (PP 45/2014): Rp 300,000 + Rp 55,000 biometrics, as paid at Palembang.
        (P.REGULAR_5Y, date(2017, 12, 21), 355_000),
        (P.ELECTRONIC_5Y, date(2017, 12, 21), 655_000),
        (P.FREE, date(2017, 12, 21), 0),
        # 2022
        (P.REGULAR_5Y, date(2022, 6, 1), 350_000),
        (P.ELECTRONIC_5Y, date(2022, 6, 1), 650_000),
        (P.EXPRESS_SURCHARGE, date(2022, 6, 1), 1_000_000),
        # From 17 Dec 2024 (PP 45/2024)
        (P.REGULAR_5Y, date(2025, 1, 2), 350_000),
        (P.REGULAR_10Y, date(2025, 1, 2), 650_000),
        (P.ELECTRONIC_5Y, date(2025, 1, 2), 650_000),
        (P.ELECTRONIC_10Y, date(2025, 1, 2), 950_000),
        (P.EXPRESS_SURCHARGE, date(2025, 1, 2), 1_000_000),
        (P.FREE, date(2025, 1, 2), 0),
    ],
)
def test_real_tariffs(product: Product, day: date, amount: int) -> None:
    fee = SCHEDULE.fee_for(product, day)
    assert fee == amount
    assert type(fee) is int


def test_the_2017_fee_is_the_one_in_the_story() -> None:
    tariff = SCHEDULE.tariff_for("regular_5y", date(2017, 12, 28))
    assert tariff.amount == 355_000
    assert tariff.regulation == PP_45_2014


@pytest.mark.parametrize(
    ("product", "before", "from_17_dec"),
    [
        (P.REGULAR_5Y, 350_000, 350_000),
        (P.ELECTRONIC_5Y, 650_000, 650_000),
        (P.EXPRESS_SURCHARGE, 1_000_000, 1_000_000),
    ],
)
def test_the_day_before_and_the_day_pp_45_2024_took_effect(
    product: Product, before: int, from_17_dec: int
) -> None:
    assert SCHEDULE.fee_for(product, date(2024, 12, 16)) == before
    assert SCHEDULE.tariff_for(product, date(2024, 12, 16)).regulation != PP_45_2024
    assert SCHEDULE.fee_for(product, date(2024, 12, 17)) == from_17_dec
    assert SCHEDULE.tariff_for(product, date(2024, 12, 17)).regulation == PP_45_2024
    assert SCHEDULE.tariff_for(product, date(2024, 12, 18)).regulation == PP_45_2024


def test_ten_year_tariffs_of_pp_45_2024() -> None:
    assert SCHEDULE.fee_for(P.REGULAR_10Y, date(2024, 12, 17)) == 650_000
    assert SCHEDULE.fee_for(P.ELECTRONIC_10Y, date(2024, 12, 17)) == 950_000


def test_the_day_the_2022_tariff_took_effect() -> None:
    assert SCHEDULE.fee_for(P.REGULAR_5Y, date(2021, 12, 31)) == 355_000
    assert SCHEDULE.fee_for(P.REGULAR_5Y, date(2022, 1, 1)) == 350_000


def test_no_express_service_in_2017() -> None:
    with pytest.raises(NotFound) as caught:
        SCHEDULE.fee_for(P.EXPRESS_SURCHARGE, date(2017, 12, 21))
    assert caught.value.code == "no_tariff"
    assert caught.value.status == 404
    assert caught.value.params == {"product": "express_surcharge", "date": "2017-12-21"}


def test_nothing_before_the_first_tariff() -> None:
    with pytest.raises(NotFound):
        SCHEDULE.fee_for(P.REGULAR_5Y, date(2014, 12, 31))


def test_an_unknown_product_is_refused() -> None:
    with pytest.raises(ValueError):
        SCHEDULE.fee_for("diplomatic", date(2025, 1, 2))


def test_products_offered_on_a_day() -> None:
    assert SCHEDULE.offered(date(2017, 12, 21)) == [P.REGULAR_5Y, P.ELECTRONIC_5Y, P.FREE]
    assert SCHEDULE.offered(date(2025, 1, 2)) == list(Product)


def test_order_of_the_tariffs_does_not_matter() -> None:
    shuffled = FeeSchedule(reversed(OFFICIAL_TARIFFS))
    for tariff in OFFICIAL_TARIFFS:
        assert shuffled.tariff_for(tariff.product, tariff.effective_from) == tariff
    assert sorted(shuffled.tariffs(), key=repr) == sorted(OFFICIAL_TARIFFS, key=repr)


def test_tariffs_are_whole_rupiah() -> None:
    assert all(type(t.amount) is int and t.amount >= 0 for t in OFFICIAL_TARIFFS)
    for amount in (355_000.0, True, -1):
        with pytest.raises(ValueError):
            Tariff(P.REGULAR_5Y, date(2017, 1, 1), amount, PP_45_2014)  # type: ignore[arg-type]


def test_one_tariff_per_product_and_date() -> None:
    keys = [(t.product, t.effective_from) for t in OFFICIAL_TARIFFS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("kind", "years", "product"),
    [
        ("regular", None, P.REGULAR_5Y),
        ("regular", 5, P.REGULAR_5Y),
        ("regular", 10, P.REGULAR_10Y),
        ("electronic", 5, P.ELECTRONIC_5Y),
        ("electronic", 10, P.ELECTRONIC_10Y),
    ],
)
def test_product_code(kind: str, years: int | None, product: Product) -> None:
    assert product_code(kind, years) is product


@pytest.mark.parametrize(("kind", "years"), [("express", 5), ("regular", 7), ("", None)])
def test_product_code_refuses_unknown_forms(kind: str, years: int | None) -> None:
    with pytest.raises(ValueError):
        product_code(kind, years)
