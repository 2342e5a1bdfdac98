"""The office file's meaning and the national holiday overrides, without a database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from loket.domain.calendar import HolidayTable, WorkingCalendar
from loket.domain.office_file import path_text, read_offices, to_document
from loket.services.office_files import OfficeFileInvalid, check_text, office_schema

DJJ = (Path(__file__).parents[1] / "e2e" / "data" / "djj.yaml").read_text()


def _paths(text: str) -> list[str]:
    with pytest.raises(OfficeFileInvalid) as caught:
        check_text(text)
    return [p.path for p in caught.value.problems]


def test_the_issue_example_reads_as_it_stands() -> None:
    (office,) = check_text(DJJ)
    assert (office.code, office.timezone) == ("DJJ", "Asia/Jayapura")
    assert office.hours[5][1].strftime("%H:%M") == "16:30" and 6 not in office.hours
    assert [s.number for s in office.stations] == [1, 2, 3, 4]
    assert office.quota[(5, "regular")] == 50 and (6, "regular") not in office.quota
    assert read_offices(to_document(office)) == ([office], [])


def test_unquoted_yaml_dates_are_dates_all_the_same() -> None:
    (office,) = check_text(
        DJJ.replace('from: "2026-12-31", to: "2026-12-31"', "from: 2026-12-31, to: 2026-12-31")
    )
    assert office.closures[0].start == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("change", "paths"),
    [
        (('fri: "08:00-16:30"', 'fri: "16:30-08:00"'), ["hours.fri"]),
        (('"10:00-11:00"', '"09:30-11:00"'), ["sessions[2]"]),
        (("code: INT2", "code: INT1"), ["stations[1].code"]),
        (('to: "2026-12-31"', 'to: "2026-12-30"'), ["closures[0].to"]),
        (('from: "2026-12-31"', 'from: "2026-02-30"'), ["closures[0].from"]),
        (("fri: 50", "fry: 50"), ["quota.regular"]),
        (("priority:", "vip:"), ["quota"]),
        (("name: Kantor", "nama: Kantor"), ["name", "nama"]),
        (("mon: 60", "mon: -1"), ["quota.regular.mon"]),
    ],
)
def test_each_mistake_names_its_path(change: tuple[str, str], paths: list[str]) -> None:
    assert _paths(DJJ.replace(*change, 1)) == paths


def test_a_list_names_each_office_and_refuses_a_code_twice() -> None:
    listed = "- " + DJJ.replace("\n", "\n  ").rstrip() + "\n"
    assert [o.code for o in check_text(listed)] == ["DJJ"]
    assert _paths(listed + listed) == ["[1].code"]
    assert _paths(listed + "- {code: x}\n") == ["[1].name", "[1].time_zone", "[1].sessions", "[1].code"]


def test_unreadable_text_is_one_clear_mistake() -> None:
    assert _paths("code: [DJJ\n") == ["line 2"]


def test_paths_read_like_the_file() -> None:
    assert path_text(["stations", 2, "stage"]) == "stations[2].stage"
    assert path_text([1, "sessions", 0]) == "[1].sessions[0]"
    assert path_text([]) == "$"


def test_the_schema_file_is_a_valid_json_schema() -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(office_schema())


def test_overrides_apply_on_top_of_the_package() -> None:
    plain = WorkingCalendar(holidays=HolidayTable("ID"))
    decided = WorkingCalendar(
        holidays=HolidayTable(
            "ID",
            declared={date(2026, 12, 28): "Cuti bersama tambahan"},
            cancelled=frozenset({date(2026, 12, 24)}),
        )
    )
    assert plain.is_service_day(date(2026, 12, 28)) and not plain.is_service_day(date(2026, 12, 24))
    assert not decided.is_service_day(date(2026, 12, 28)) and decided.is_service_day(date(2026, 12, 24))
    assert decided.info(date(2026, 12, 28)).holiday == "Cuti bersama tambahan"
    assert decided.info(date(2026, 12, 25)).holiday == "Hari Raya Natal"  # the rest still from the package
    assert HolidayTable("ID") == HolidayTable("ID") != decided.holidays
