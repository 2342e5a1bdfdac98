"""The working-day calendar against real Indonesian years, closures and extra service days.

The holiday dates asserted here are the ones in the government decrees (SKB Menteri Agama,
Menteri Ketenagakerjaan and MenPAN-RB on national holidays and cuti bersama, as revised for
2017 and 2018), not merely whatever the `holidays` package says.
"""

from __future__ import annotations

from datetime import date

import pytest

from loket.domain.calendar import (
    MAX_SEARCH_DAYS,
    Closure,
    HolidayTable,
    WorkingCalendar,
    iter_days,
    national_holidays,
)

NATIONAL = WorkingCalendar()


def d(text: str) -> date:
    return date.fromisoformat(text)


def service_days(calendar: WorkingCalendar, first: str, last: str) -> list[str]:
    return [day.isoformat() for day in iter_days(d(first), d(last)) if calendar.is_service_day(day)]


# --- the holiday table -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        # 2017: Idul Fitri 25-26 June (Sun-Mon); cuti bersama 23 and 27-30 June (revised SKB).
        ("2017-06-23", "Cuti Bersama Hari Raya Idul Fitri"),
        ("2017-06-25", "Hari Raya Idul Fitri"),
        ("2017-06-26", "Hari kedua dari Hari Raya Idul Fitri"),
        ("2017-06-27", "Cuti Bersama Hari Raya Idul Fitri"),
        ("2017-06-30", "Cuti Bersama Hari Raya Idul Fitri"),
        ("2017-12-25", "Hari Raya Natal"),
        ("2017-12-26", "Cuti Bersama Hari Raya Natal"),
        ("2017-01-02", "Cuti Bersama Tahun Baru Masehi"),
        ("2017-08-17", "Hari Kemerdekaan Republik Indonesia"),
        ("2017-12-01", "Maulid Nabi Muhammad"),
        # 2018: Idul Fitri 15-16 June (Fri-Sat); cuti bersama 11-14 and 18-20 June (revised SKB).
        ("2018-06-11", "Cuti Bersama Hari Raya Idul Fitri"),
        ("2018-06-15", "Hari Raya Idul Fitri"),
        ("2018-06-16", "Hari kedua dari Hari Raya Idul Fitri"),
        ("2018-06-20", "Cuti Bersama Hari Raya Idul Fitri"),
        ("2018-06-27", "Hari Pemilihan Kepala Daerah"),
        ("2018-12-24", "Cuti Bersama Hari Raya Natal"),
        ("2018-12-25", "Hari Raya Natal"),
        # 2024: Idul Fitri 10-11 April; cuti bersama 8, 9, 12 and 15 April.
        ("2024-04-08", "Cuti Bersama Hari Raya Idul Fitri"),
        ("2024-04-10", "Hari Raya Idul Fitri"),
        ("2024-04-11", "Hari kedua dari Hari Raya Idul Fitri"),
        ("2024-04-15", "Cuti Bersama Hari Raya Idul Fitri"),
        ("2024-02-14", "Hari Pemilihan Umum"),
        ("2024-12-25", "Hari Raya Natal"),
        ("2024-12-26", "Cuti Bersama Hari Raya Natal"),
        # 2025: Idul Fitri 31 March-1 April; cuti bersama 2-4 and 7 April.
        ("2025-03-31", "Hari Raya Idul Fitri"),
        ("2025-04-01", "Hari kedua dari Hari Raya Idul Fitri"),
        ("2025-04-02", "Cuti Bersama Hari Raya Idul Fitri"),
        ("2025-04-07", "Cuti Bersama Hari Raya Idul Fitri"),
        ("2025-03-28", "Cuti Bersama Hari Suci Nyepi"),
        ("2025-12-25", "Hari Raya Natal"),
        ("2025-12-26", "Cuti Bersama Hari Raya Natal"),
    ],
)
def test_real_holidays_are_named_in_indonesian(day: str, name: str) -> None:
    assert national_holidays(d(day).year)[d(day)] == name
    assert HolidayTable()[d(day)] == name
    info = NATIONAL.info(d(day))
    assert info.holiday == name
    assert not info.service_day


@pytest.mark.parametrize(
    ("year", "cuti_bersama"),
    [
        ("2017", ["01-02", "06-23", "06-27", "06-28", "06-29", "06-30", "12-26"]),
        ("2018", ["06-11", "06-12", "06-13", "06-14", "06-18", "06-19", "06-20", "12-24"]),
        (
            "2024",
            [
                "02-09",
                "03-12",
                "04-08",
                "04-09",
                "04-12",
                "04-15",
                "05-10",
                "05-24",
                "06-18",
                "12-26",
            ],
        ),
        (
            "2025",
            [
                "01-28",
                "03-28",
                "04-02",
                "04-03",
                "04-04",
                "04-07",
                "05-13",
                "05-30",
                "06-09",
                "08-18",
                "12-26",
            ],
        ),
    ],
)
def test_cuti_bersama_of_a_year_is_exactly_the_decreed_list(
    year: str, cuti_bersama: list[str]
) -> None:
    found = sorted(
        day.isoformat()[5:]
        for day, name in national_holidays(int(year)).items()
        if name.startswith("Cuti Bersama")
    )
    assert found == cuti_bersama


def test_ordinary_days_are_not_holidays() -> None:
    table = HolidayTable()
    assert d("2017-12-27") not in table
    assert table.get(d("2017-12-27")) is None
    assert table.get(d("2017-12-27"), "none") == "none"
    assert "2017-12-25" not in table  # only dates are keys
    with pytest.raises(KeyError):
        table[d("2017-12-27")]


def test_holiday_table_has_no_fixed_range() -> None:
    with pytest.raises(TypeError):
        len(HolidayTable())
    with pytest.raises(TypeError):
        list(HolidayTable())


def test_calendars_compare_and_hash_without_walking_the_holiday_table() -> None:
    # Before the fix, comparing two calendars raised TypeError from HolidayTable.__iter__.
    assert WorkingCalendar() == WorkingCalendar()
    assert HolidayTable("ID") == HolidayTable("ID")
    assert HolidayTable("ID") != HolidayTable("MY")
    assert hash(HolidayTable()) == hash(HolidayTable())
    closed = WorkingCalendar(closures=(Closure(d("2017-12-27"), d("2017-12-27"), "x"),))
    assert closed != WorkingCalendar()


# --- service days in real years ----------------------------------------------------------


def test_weekdays_are_service_days_and_weekends_are_not() -> None:
    assert NATIONAL.is_service_day(d("2017-12-27"))  # Wednesday
    saturday = NATIONAL.info(d("2017-12-23"))
    assert saturday.weekend and not saturday.service_day and saturday.holiday is None
    assert not NATIONAL.is_service_day(d("2017-12-24"))  # Sunday


def test_december_2017_at_palembang() -> None:
    assert service_days(NATIONAL, "2017-12-18", "2017-12-31") == [
        "2017-12-18",
        "2017-12-19",
        "2017-12-20",
        "2017-12-21",
        "2017-12-22",
        "2017-12-27",
        "2017-12-28",
        "2017-12-29",
    ]


def test_idul_fitri_2017_closes_the_whole_week() -> None:
    # Friday 23 June (cuti bersama) to Friday 30 June: no service day at all.
    assert service_days(NATIONAL, "2017-06-22", "2017-07-03") == ["2017-06-22", "2017-07-03"]
    assert NATIONAL.due_date(d("2017-06-22"), 1) == d("2017-07-03")


def test_idul_fitri_2018_closes_eight_working_days() -> None:
    assert service_days(NATIONAL, "2018-06-08", "2018-06-22") == [
        "2018-06-08",
        "2018-06-21",
        "2018-06-22",
    ]
    assert NATIONAL.working_days_between(d("2018-06-08"), d("2018-06-21")) == 1


def test_idul_fitri_2024() -> None:
    assert service_days(NATIONAL, "2024-04-05", "2024-04-17") == [
        "2024-04-05",
        "2024-04-16",
        "2024-04-17",
    ]


def test_idul_fitri_2025_with_nyepi_before_it() -> None:
    # Nyepi cuti bersama on Friday 28 March, then Lebaran from Monday 31 March to Monday 7 April.
    assert service_days(NATIONAL, "2025-03-27", "2025-04-09") == [
        "2025-03-27",
        "2025-04-08",
        "2025-04-09",
    ]
    assert NATIONAL.due_date(d("2025-03-27"), 4) == d("2025-04-11")


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2017-12-22", "2017-12-27", ["2017-12-22", "2017-12-27"]),
        ("2018-12-21", "2018-12-27", ["2018-12-21", "2018-12-26", "2018-12-27"]),
        ("2024-12-24", "2024-12-30", ["2024-12-24", "2024-12-27", "2024-12-30"]),
        ("2025-12-24", "2025-12-31", ["2025-12-24", "2025-12-29", "2025-12-30", "2025-12-31"]),
    ],
)
def test_christmas_with_cuti_bersama(first: str, last: str, expected: list[str]) -> None:
    assert service_days(NATIONAL, first, last) == expected


def test_new_year_2018_is_a_holiday_and_the_office_reopens_on_the_second() -> None:
    assert NATIONAL.info(d("2018-01-01")).holiday == "Tahun Baru Masehi"
    assert NATIONAL.next_service_days(d("2017-12-30"), 1) == [d("2018-01-02")]


# --- the SLA due date --------------------------------------------------------------------


def test_sla_example_from_the_story() -> None:
    """A complete dossier on Thu 21 Dec 2017 at Palembang is due four working days later."""
    assert NATIONAL.due_date(d("2017-12-21"), 4) == d("2017-12-29")


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2017-12-21", 1, "2017-12-22"),
        ("2017-12-21", 2, "2017-12-27"),
        ("2017-12-21", 5, "2018-01-02"),
        ("2017-12-22", 4, "2018-01-02"),  # a Friday start: Christmas, cuti bersama, New Year
        ("2017-12-23", 1, "2017-12-27"),  # starting on a weekend counts from the next service day
        ("2017-12-25", 1, "2017-12-27"),  # starting on a holiday too
        ("2018-06-08", 4, "2018-06-26"),
        ("2024-04-05", 4, "2024-04-19"),
        ("2024-12-23", 4, "2024-12-31"),
        ("2025-12-23", 4, "2025-12-31"),
    ],
)
def test_due_dates(start: str, days: int, due: str) -> None:
    assert NATIONAL.due_date(d(start), days) == d(due)
    assert NATIONAL.working_days_between(d(start), d(due)) == days


def test_zero_working_days_is_the_start_itself() -> None:
    assert NATIONAL.due_date(d("2017-12-25"), 0) == d("2017-12-25")


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError):
        NATIONAL.due_date(d("2017-12-21"), -1)
    with pytest.raises(ValueError):
        NATIONAL.next_service_days(d("2017-12-21"), -1)


# --- next service days -------------------------------------------------------------------


def test_next_service_days_include_the_start_when_it_is_one() -> None:
    assert NATIONAL.next_service_days(d("2017-12-22"), 3) == [
        d("2017-12-22"),
        d("2017-12-27"),
        d("2017-12-28"),
    ]
    assert NATIONAL.next_service_days(d("2017-12-22"), 3, include_start=False) == [
        d("2017-12-27"),
        d("2017-12-28"),
        d("2017-12-29"),
    ]


def test_next_service_days_skip_a_start_that_is_not_one() -> None:
    assert NATIONAL.next_service_days(d("2017-12-25"), 2) == [d("2017-12-27"), d("2017-12-28")]


def test_no_service_days_asked_for() -> None:
    assert NATIONAL.next_service_days(d("2017-12-22"), 0) == []


def test_a_calendar_without_service_days_gives_up() -> None:
    shut = WorkingCalendar(closures=(Closure(d("2017-01-01"), d("2030-12-31"), "renovation"),))
    with pytest.raises(ValueError, match="fewer than 1 service days"):
        shut.due_date(d("2017-12-21"), 1)
    assert len(list(shut.service_days_after(d("2017-12-21")))) == 0
    # The search really stops after MAX_SEARCH_DAYS days.
    later = WorkingCalendar(closures=(Closure(d("2017-12-22"), d("2020-12-31"), "renovation"),))
    assert (d("2020-12-31") - d("2017-12-21")).days > MAX_SEARCH_DAYS
    with pytest.raises(ValueError):
        later.due_date(d("2017-12-21"), 1)


# --- closures and extra service days -----------------------------------------------------

PHOTO_FAULT = Closure(d("2018-01-03"), d("2018-01-04"), "Perangkat foto rusak")
YEAR_END = Closure(d("2024-12-27"), d("2024-12-31"), "Tutup akhir tahun")
SATURDAY_SESSION = {d("2017-12-30"): "Layanan Sabtu akhir tahun"}


def test_a_declared_closure_removes_its_days() -> None:
    calendar = WorkingCalendar(closures=(PHOTO_FAULT, YEAR_END))
    info = calendar.info(d("2018-01-03"))
    assert not info.service_day
    assert info.closure == "Perangkat foto rusak"
    assert info.holiday is None and not info.weekend
    assert service_days(calendar, "2018-01-02", "2018-01-08") == [
        "2018-01-02",
        "2018-01-05",
        "2018-01-08",
    ]
    assert calendar.closure_on(d("2018-01-04")) == PHOTO_FAULT
    assert calendar.closure_on(d("2018-01-05")) is None


def test_a_closure_moves_the_due_date() -> None:
    calendar = WorkingCalendar(closures=(YEAR_END,))
    assert NATIONAL.due_date(d("2024-12-23"), 4) == d("2024-12-31")
    assert calendar.due_date(d("2024-12-23"), 4) == d("2025-01-06")


def test_closure_bounds_are_inclusive() -> None:
    assert PHOTO_FAULT.covers(d("2018-01-03"))
    assert PHOTO_FAULT.covers(d("2018-01-04"))
    assert not PHOTO_FAULT.covers(d("2018-01-02"))
    assert not PHOTO_FAULT.covers(d("2018-01-05"))


def test_a_declared_saturday_service_day() -> None:
    calendar = WorkingCalendar(extra_days=SATURDAY_SESSION)
    info = calendar.info(d("2017-12-30"))
    assert info.service_day and info.weekend
    assert info.extra == "Layanan Sabtu akhir tahun"
    assert not NATIONAL.is_service_day(d("2017-12-30"))
    # The Saturday counts towards the SLA: a dossier from the 22nd is due a working day earlier.
    assert NATIONAL.due_date(d("2017-12-22"), 4) == d("2018-01-02")
    assert calendar.due_date(d("2017-12-22"), 4) == d("2017-12-30")


def test_an_extra_day_can_open_a_holiday_but_a_closure_wins() -> None:
    overtime = {d("2017-12-26"): "Lembur"}
    opened = WorkingCalendar(extra_days=overtime)
    info = opened.info(d("2017-12-26"))
    assert info.service_day
    assert info.holiday == "Cuti Bersama Hari Raya Natal" and info.extra == "Lembur"
    shut = WorkingCalendar(
        extra_days=overtime, closures=(Closure(d("2017-12-26"), d("2017-12-26"), "Listrik"),)
    )
    assert not shut.is_service_day(d("2017-12-26"))
    assert shut.info(d("2017-12-26")).closure == "Listrik"


def test_a_custom_holiday_table_and_weekend() -> None:
    # A plain mapping works as the holiday table; a Friday-Saturday weekend can be configured.
    calendar = WorkingCalendar(holidays={d("2017-12-27"): "Libur"}, weekend=frozenset({4, 5}))
    assert not calendar.is_service_day(d("2017-12-27"))
    assert not calendar.is_service_day(d("2017-12-29"))  # Friday
    assert calendar.is_service_day(d("2017-12-24"))  # Sunday
    assert calendar.is_service_day(d("2017-12-25"))  # not a holiday in this table


# --- the month view ----------------------------------------------------------------------


def test_month_view_of_december_2017() -> None:
    days = NATIONAL.month(2017, 12)
    assert [info.day for info in days] == list(iter_days(d("2017-12-01"), d("2017-12-31")))
    assert sum(info.service_day for info in days) == 18
    named = {info.day.isoformat(): info.holiday for info in days if info.holiday}
    assert named == {
        "2017-12-01": "Maulid Nabi Muhammad",
        "2017-12-25": "Hari Raya Natal",
        "2017-12-26": "Cuti Bersama Hari Raya Natal",
    }


@pytest.mark.parametrize(("year", "month", "length"), [(2024, 2, 29), (2025, 2, 28), (2018, 4, 30)])
def test_month_view_has_every_day(year: int, month: int, length: int) -> None:
    assert len(NATIONAL.month(year, month)) == length


def test_working_days_between() -> None:
    assert NATIONAL.working_days_between(d("2017-12-21"), d("2017-12-29")) == 4
    assert NATIONAL.working_days_between(d("2017-12-21"), d("2017-12-21")) == 0
    assert NATIONAL.working_days_between(d("2017-12-29"), d("2017-12-21")) == 0


def test_iter_days_is_inclusive() -> None:
    assert list(iter_days(d("2017-12-30"), d("2018-01-01"))) == [
        d("2017-12-30"),
        d("2017-12-31"),
        d("2018-01-01"),
    ]
    assert list(iter_days(d("2018-01-01"), d("2017-12-31"))) == []
