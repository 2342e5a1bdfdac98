"""Check-in on both databases: paid bookings of today inside the window, tickets per category,
priority walk-ins within the day's priority quota."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.errors import Conflict, NotFound
from loket.services import checkin
from loket.services import quotas as quota_service
from loket.services.catalog import Catalog
from loket.store.database import Database
from loket.store.tables import bookings
from loket.testing.applicants import applicant

from .floor_helpers import DAY, POLICY, at, book_and_pay, checked_in


async def test_tickets_per_category_and_the_booking_is_checked_in(demo: Database) -> None:
    clock = FrozenClock(at(7, 30))
    assert await checked_in(demo, clock, 2) == ["A-001", "A-002"]
    # Express started in 2022: the story's office had only regular and priority tickets.
    assert await checked_in(demo, clock, 1, start=20, category="priority", priority_reason="disabled") == [
        "B-001"
    ]
    async with demo.read() as conn:
        statuses = {r.status for r in await conn.execute(select(bookings.c.status))}
    assert statuses == {"checked_in"}


async def test_only_paid_bookings_of_today_inside_the_window(demo: Database) -> None:
    code, nik = await book_and_pay(demo, 1, session="10:00")
    with pytest.raises(Conflict) as wrong_day:
        await checkin.check_in(
            demo, "PLG", code, nik, policy=POLICY, actor="kiosk", now=at(9, 0, date(2017, 12, 28))
        )
    assert wrong_day.value.code == "check_in_wrong_day"
    with pytest.raises(Conflict) as early:
        await checkin.check_in(demo, "PLG", code, nik, policy=POLICY, actor="kiosk", now=at(8, 59))
    assert early.value.code == "check_in_too_early"
    with pytest.raises(Conflict) as late:
        await checkin.check_in(demo, "PLG", code, nik, policy=POLICY, actor="kiosk", now=at(12, 1))
    assert late.value.code == "check_in_too_late"
    with pytest.raises(NotFound):
        await checkin.check_in(
            demo, "PLG", code, applicant(2).nik, policy=POLICY, actor="kiosk", now=at(9, 30)
        )
    late_arrival = await checkin.check_in(
        demo, "PLG", code, nik, policy=POLICY, actor="kiosk", now=at(10, 20)
    )
    assert late_arrival.ticket == "A-001" and late_arrival.late
    again = await checkin.check_in(demo, "PLG", code, nik, policy=POLICY, actor="kiosk", now=at(10, 21))
    assert again.replayed and again.ticket == "A-001"


async def test_unpaid_booking_cannot_check_in(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy
) -> None:  # type: ignore[no-untyped-def]
    from loket.services import booking as booking_service

    from .test_booking import request_for

    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(5)), policy=policy, now=clock()
    )
    with pytest.raises(Conflict) as unpaid:
        await checkin.check_in(
            demo, "PLG", done.booking_code, applicant(5).nik, policy=POLICY, actor="k", now=at(8)
        )
    assert unpaid.value.code == "not_paid"


async def test_priority_walk_ins_within_the_day_quota(demo: Database, clock: FrozenClock) -> None:
    await quota_service.set_day_capacity(
        demo, Catalog(ttl=0), "PLG", DAY, "priority", 2, actor="t", now=clock()
    )
    await book_and_pay(demo, 1, category="priority", priority_reason="disabled")
    elder = applicant(30, born=date(1950, 3, 4))
    ticket = await checkin.walk_in(
        demo,
        "PLG",
        nik=elder.nik,
        full_name=elder.full_name,
        birth_date=elder.birth_date,
        sex=elder.sex,
        priority_reason="elderly",
        actor="budi",
        now=at(9),
    )
    assert ticket.ticket == "B-001" and ticket.category == "priority"
    other = applicant(31, born=date(1948, 1, 1))
    with pytest.raises(Conflict) as full:
        await checkin.walk_in(
            demo,
            "PLG",
            nik=other.nik,
            full_name=other.full_name,
            birth_date=other.birth_date,
            sex=other.sex,
            priority_reason="elderly",
            actor="budi",
            now=at(9),
        )
    assert full.value.code == "priority_quota_full"
