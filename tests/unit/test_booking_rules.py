"""Booking rules without a database: plan_booking, the hold deadline, codes, reschedule rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket.domain.booking import (
    BookingPolicy,
    BookingRequest,
    check_reschedulable,
    new_billing_code,
    new_booking_code,
    office_of_booking_code,
    pay_deadline,
    plan_booking,
)
from loket.domain.calendar import WorkingCalendar
from loket.domain.errors import Conflict, InvalidInput
from loket.domain.fees import OFFICIAL_TARIFFS, FeeSchedule
from loket.domain.identity import make_nik
from loket.domain.office import Office
from loket.services.demo import DEMO_OFFICES

PLG = next(spec for spec in DEMO_OFFICES if spec.code == "PLG")
OFFICE = Office(
    PLG.code, PLG.name, PLG.timezone, PLG.address, PLG.hours, tuple(PLG.sessions), tuple(PLG.stations)
)
CALENDAR = WorkingCalendar()
FEES = FeeSchedule(OFFICIAL_TARIFFS)
NOW = datetime(2017, 12, 28, 1, 30, tzinfo=UTC)  # Thursday 08:30 WIB
POLICY = BookingPolicy()


def request(**change: object) -> BookingRequest:
    born = date(1985, 4, 12)
    base = BookingRequest(
        nik=make_nik("167101", born, "female", 7),
        full_name="Siti Nur'aini",
        birth_date=born,
        sex="female",
        phone="0812-3456-7890",
        email="Siti@Example.ID",
        day=date(2017, 12, 29),
        session="08:00",
        category="regular",
        product="regular",
        service="new",
    )
    return replace(base, **change)  # type: ignore[arg-type]


def test_a_good_request_is_planned_with_the_fee_and_deadline_of_the_day() -> None:
    plan = plan_booking(request(), OFFICE, CALENDAR, FEES, POLICY, NOW)
    assert plan.amount == 355_000
    assert plan.pay_before == NOW + timedelta(hours=2)
    assert plan.phone == "+6281234567890" and plan.email == "siti@example.id"
    assert plan.contacts == ("tel:+6281234567890", "mailto:siti@example.id")


def test_the_hold_ends_at_midnight_before_the_appointment() -> None:
    late = datetime(2017, 12, 28, 16, 0, tzinfo=UTC)  # 23:00 WIB
    assert pay_deadline(OFFICE, date(2017, 12, 29), late, 120) == datetime(2017, 12, 28, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"sex": "male"}, "sex", "nik_sex_mismatch"),
        ({"sex": "x"}, "sex", "sex_invalid"),
        ({"email": "not-an-address"}, "email", "email_invalid"),
        ({"service": "upgrade"}, "service", "service_invalid"),
        ({"category": "priority"}, "priority_reason", "priority_reason_invalid"),
        ({"category": "priority", "priority_reason": "elderly"}, "priority_reason", "not_elderly"),
        ({"day": date(2018, 1, 1)}, "date", "not_a_service_day"),
        ({"day": date(2017, 12, 28)}, "date", "date_in_past"),
        ({"full_name": "R2D2"}, "full_name", "name_characters"),
    ],
)
def test_each_broken_rule_names_its_field(change: dict, field: str, code: str) -> None:
    with pytest.raises(InvalidInput) as error:
        plan_booking(request(**change), OFFICE, CALENDAR, FEES, POLICY, NOW)
    assert (error.value.field, error.value.code) == (field, code)


def test_priority_for_the_elderly_and_small_children_is_checked_on_the_appointment_day() -> None:
    old = date(1950, 1, 1)
    elderly = request(
        nik=make_nik("167101", old, "male", 3),
        birth_date=old,
        sex="male",
        category="priority",
        priority_reason="elderly",
    )
    assert plan_booking(elderly, OFFICE, CALENDAR, FEES, POLICY, NOW).priority_reason == "elderly"
    assert plan_booking(replace(elderly, priority_reason="disabled"), OFFICE, CALENDAR, FEES, POLICY, NOW)
    child = date(2012, 6, 1)  # five on the appointment day: too old for the under-5 priority
    toddler = request(
        nik=make_nik("167101", child, "male", 4),
        birth_date=child,
        sex="male",
        category="priority",
        priority_reason="child_under_5",
    )
    with pytest.raises(InvalidInput):
        plan_booking(toddler, OFFICE, CALENDAR, FEES, POLICY, NOW)


def test_reschedule_rules() -> None:
    check_reschedulable("paid", 0, date(2017, 12, 29), OFFICE, NOW)
    with pytest.raises(Conflict):
        check_reschedulable("paid", 1, date(2017, 12, 29), OFFICE, NOW)
    with pytest.raises(Conflict):
        check_reschedulable("cancelled", 0, date(2017, 12, 29), OFFICE, NOW)
    with pytest.raises(Conflict):
        check_reschedulable("paid", 0, date(2017, 12, 28), OFFICE, NOW)


@given(st.integers(0, 1000))
def test_codes_are_well_formed_and_name_their_office(_: int) -> None:
    code = new_booking_code("PLG")
    assert office_of_booking_code(code) == "PLG" and len(code) == 14
    billing = new_billing_code()
    assert len(billing) == 15 and billing.isdigit()


def test_codes_do_not_repeat() -> None:
    assert len({new_booking_code("PLG") for _ in range(20_000)}) == 20_000
    assert len({new_billing_code() for _ in range(20_000)}) == 20_000


@pytest.mark.parametrize("bad", ["PLG", "PLG-123", "PLG-ILOU000000", "-ABCDEFGHJK", "PLG-abcdefghjk"])
def test_malformed_booking_codes_name_no_office(bad: str) -> None:
    assert office_of_booking_code(bad) is None
