"""An office's zone, sessions and local times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from loket.domain.errors import InvalidInput
from loket.domain.office import (
    INDONESIAN_ZONES,
    Office,
    Session,
    check_sessions,
    check_timezone,
)

PLG = Office(code="PLG", name="Kantor Imigrasi Kelas I TPI Palembang", timezone="Asia/Jakarta")
DPS = Office(code="DPS", name="Kantor Imigrasi Kelas I TPI Denpasar", timezone="Asia/Makassar")


def s(starts: str, ends: str) -> Session:
    return Session(time.fromisoformat(starts), time.fromisoformat(ends))


# --- sessions ----------------------------------------------------------------------------


def test_session_is_named_by_its_start() -> None:
    assert s("08:00", "09:00").name == "08:00"
    assert s("13:30", "14:30").name == "13:30"


def test_back_to_back_sessions_are_fine_and_come_back_in_order() -> None:
    sessions = [s("10:00", "11:00"), s("08:00", "09:00"), s("09:00", "10:00")]
    assert check_sessions(sessions) == [
        s("08:00", "09:00"),
        s("09:00", "10:00"),
        s("10:00", "11:00"),
    ]


def test_sessions_with_a_gap_are_fine() -> None:
    assert len(check_sessions([s("08:00", "09:00"), s("13:00", "14:00")])) == 2


def test_no_sessions_is_fine() -> None:
    assert check_sessions([]) == []


@pytest.mark.parametrize(
    ("sessions", "between"),
    [
        ([s("08:00", "09:30"), s("09:00", "10:00")], {"a": "08:00", "b": "09:00"}),
        ([s("09:00", "10:00"), s("08:00", "09:30")], {"a": "08:00", "b": "09:00"}),
        ([s("08:00", "09:00"), s("08:00", "09:00")], {"a": "08:00", "b": "08:00"}),
        # One long session swallowing a later one, with a third after both.
        (
            [s("08:00", "12:00"), s("09:00", "09:30"), s("13:00", "14:00")],
            {"a": "08:00", "b": "09:00"},
        ),
        # Only a non-neighbouring pair overlaps once sorted.
        (
            [s("08:00", "08:30"), s("08:30", "12:00"), s("10:00", "10:30")],
            {"a": "08:30", "b": "10:00"},
        ),
    ],
)
def test_overlapping_sessions_are_refused(sessions: list[Session], between: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_sessions(sessions)
    assert (caught.value.field, caught.value.code) == ("sessions", "sessions_overlap")
    assert caught.value.params == between


@pytest.mark.parametrize("session", [s("09:00", "09:00"), s("10:00", "09:00")])
def test_a_session_must_end_after_it_starts(session: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_sessions([s("07:00", "08:00"), session])
    assert caught.value.code == "session_order"


def test_session_named() -> None:
    office = Office("PLG", "Palembang", "Asia/Jakarta", sessions=(s("08:00", "09:00"),))
    assert office.session_named("08:00") == s("08:00", "09:00")
    assert office.session_named("09:00") is None


# --- time zones --------------------------------------------------------------------------


@pytest.mark.parametrize("zone", sorted(INDONESIAN_ZONES))
def test_indonesian_zones_are_accepted(zone: str) -> None:
    assert check_timezone(zone) == zone


@pytest.mark.parametrize(
    "zone", ["WIB", "Asia/Jakarta ", "asia/jakarta", "Asia", "", "../etc/passwd", "Mars/Olympus"]
)
def test_unknown_zones_are_refused(zone: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_timezone(zone)
    assert (caught.value.field, caught.value.code) == ("timezone", "timezone_unknown")
    assert caught.value.params == {"zone": zone}


def test_zone_abbreviations() -> None:
    assert PLG.zone_abbreviation == "WIB"
    assert DPS.zone_abbreviation == "WITA"
    assert Office("JAP", "Jayapura", "Asia/Jayapura").zone_abbreviation == "WIT"
    assert PLG.zone.utcoffset(datetime(2017, 12, 28)) == timedelta(hours=7)


def test_local_today_depends_on_the_office() -> None:
    # 16.30 UTC on 28 Dec: 23.30 in Palembang, already 00.30 on the 29th in Denpasar.
    now = datetime(2017, 12, 28, 16, 30, tzinfo=UTC)
    assert PLG.local_today(now) == date(2017, 12, 28)
    assert DPS.local_today(now) == date(2017, 12, 29)


def test_local_moment_is_aware_and_in_the_office_zone() -> None:
    moment = PLG.local_moment(date(2017, 12, 28), time(8, 0))
    assert moment.tzinfo is not None
    assert moment.astimezone(UTC) == datetime(2017, 12, 28, 1, 0, tzinfo=UTC)
    assert DPS.local_moment(date(2017, 12, 28), time(8, 0)).astimezone(UTC).hour == 0
