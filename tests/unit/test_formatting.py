"""Money, dates and times as people read them: `Rp 355.000`, `Kamis, 28 Desember 2017`, WIB."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from loket.formatting import (
    local_datetime,
    local_time,
    long_date,
    rupiah,
    short_date,
    zone_abbreviation,
)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (355_000, "Rp 355.000"),
        (655_000, "Rp 655.000"),
        (1_000_000, "Rp 1.000.000"),
        (0, "Rp 0"),
        (999, "Rp 999"),
        (Decimal(350_000), "Rp 350.000"),
    ],
)
def test_rupiah(amount: int, text: str) -> None:
    assert rupiah(amount) == text


def test_rupiah_is_written_the_indonesian_way_in_english_too() -> None:
    assert rupiah(355_000, locale="en") == "Rp 355.000"


@pytest.mark.parametrize("amount", [355_000.0, 0.5, Decimal("355000.5"), True])
def test_rupiah_refuses_anything_but_whole_rupiah(amount: object) -> None:
    with pytest.raises(TypeError):
        rupiah(amount)  # type: ignore[arg-type]


def test_long_date_in_indonesian_and_english() -> None:
    assert long_date(date(2017, 12, 28)) == "Kamis, 28 Desember 2017"
    assert long_date(date(2017, 12, 29)) == "Jumat, 29 Desember 2017"
    assert long_date(date(2018, 1, 2)) == "Selasa, 2 Januari 2018"
    assert long_date(date(2017, 12, 28), locale="en") == "Thursday, 28 December 2017"


def test_short_date() -> None:
    assert short_date(date(2017, 12, 28)) == "28 Des 2017"
    assert short_date(date(2024, 8, 17)) == "17 Agu 2024"
    assert short_date(date(2017, 12, 28), locale="en") == "28 Dec 2017"


@pytest.mark.parametrize(
    ("zone", "abbreviation"),
    [
        ("Asia/Jakarta", "WIB"),
        ("Asia/Pontianak", "WIB"),
        ("Asia/Makassar", "WITA"),
        ("Asia/Jayapura", "WIT"),
        ("Europe/Amsterdam", "Europe/Amsterdam"),
    ],
)
def test_zone_abbreviation(zone: str, abbreviation: str) -> None:
    assert zone_abbreviation(zone) == abbreviation


MOMENT = datetime(2017, 12, 28, 7, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        ("Asia/Jakarta", "14.05 WIB"),
        ("Asia/Makassar", "15.05 WITA"),
        ("Asia/Jayapura", "16.05 WIT"),
    ],
)
def test_local_time_in_the_three_zones(zone: str, text: str) -> None:
    assert local_time(MOMENT, zone) == text
    assert local_time(MOMENT, zone, locale="en") == text


def test_local_time_of_a_moment_given_in_another_offset() -> None:
    same = MOMENT.astimezone(timezone(timedelta(hours=-5)))
    assert local_time(same, "Asia/Jakarta") == "14.05 WIB"


def test_local_datetime() -> None:
    assert local_datetime(MOMENT, "Asia/Jakarta") == "Kamis, 28 Desember 2017 14.05 WIB"
    assert (
        local_datetime(MOMENT, "Asia/Jakarta", locale="en")
        == "Thursday, 28 December 2017 14.05 WIB"
    )


def test_the_overtime_night_crosses_midnight_further_east() -> None:
    # 22.30 WIB on 28 Dec in Palembang is already 00.30 WIT on 29 Dec in Jayapura.
    late = datetime(2017, 12, 28, 15, 30, tzinfo=UTC)
    assert local_datetime(late, "Asia/Jakarta") == "Kamis, 28 Desember 2017 22.30 WIB"
    assert local_datetime(late, "Asia/Jayapura") == "Jumat, 29 Desember 2017 00.30 WIT"


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2017, 12, 28, 14, 5)
    with pytest.raises(ValueError, match="naive"):
        local_time(naive, "Asia/Jakarta")
    with pytest.raises(ValueError, match="naive"):
        local_datetime(naive, "Asia/Jakarta")
