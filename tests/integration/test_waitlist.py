"""The waiting list through the services, on SQLite and PostgreSQL: offers take freed places in
the transaction that frees them, pass on when not taken, and never go to two people."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.domain.errors import Conflict, NotFound
from loket.domain.waitlist import WaitlistPolicy
from loket.services import booking as booking_service
from loket.services import quotas as quota_service
from loket.services import waitlist as waitlist_service
from loket.services.catalog import Catalog
from loket.services.expiry import expire_lapsed
from loket.store.database import Database
from loket.store.tables import notify_outbox
from loket.testing.applicants import applicant

from .conftest import pay
from .test_booking import DAY, invariants, request_for

WAIT = WaitlistPolicy(offer_minutes=30)


async def fill(db: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy, n: int = 1) -> list:  # type: ignore[type-arg]
    """Make the 08:00 regular session of DAY hold exactly `n` places, all booked."""
    await quota_service.set_day_capacity(db, catalog, "PLG", DAY, "regular", 6 * n, actor="t", now=clock())
    return [
        await booking_service.book_slot(
            db, catalog, "PLG", request_for(applicant(i)), policy=policy, now=clock()
        )
        for i in range(n)
    ]


async def join(db: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy, index: int):  # type: ignore[no-untyped-def]
    return await waitlist_service.join_waitlist(
        db,
        catalog,
        "PLG",
        request_for(applicant(index)),
        policy=policy,
        waitlist=WAIT,
        locale="en",
        now=clock(),
    )


async def offers_to(db: Database, code: str) -> list:  # type: ignore[type-arg]
    async with db.read() as conn:
        return list(
            (
                await conn.execute(
                    select(notify_outbox).where(
                        notify_outbox.c.subject == code, notify_outbox.c.event == "waitlist_offer"
                    )
                )
            ).all()
        )


async def test_a_cancellation_offers_the_place_to_the_first_in_line(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    (booked,) = await fill(demo, catalog, clock, policy)
    first = await join(demo, catalog, clock, policy, 50)
    second = await join(demo, catalog, clock, policy, 51)
    assert (first.position, second.position) == (1, 2)
    await booking_service.cancel_booking(demo, catalog, booked.booking_code, applicant(0).nik, clock())
    offered = await waitlist_service.find_entry(demo, first.entry_code, waitlist=WAIT, now=clock())
    assert offered.status == "offered" and offered.offer_deadline == clock() + timedelta(minutes=30)
    assert (
        await waitlist_service.find_entry(demo, second.entry_code, waitlist=WAIT, now=clock())
    ).position == 1
    # The place is reserved: nobody can book it while the offer is open.
    with pytest.raises(Conflict) as full:
        await booking_service.book_slot(
            demo, catalog, "PLG", request_for(applicant(60)), policy=policy, now=clock()
        )
    assert full.value.code == "quota_full"
    messages = await offers_to(demo, first.entry_code)
    assert {m.channel for m in messages} == {"phone", "email"} and all(m.locale == "en" for m in messages)
    await invariants(demo)
    done = await waitlist_service.accept_offer(
        demo, catalog, first.entry_code, applicant(50).nik, policy=policy, waitlist=WAIT, now=clock()
    )
    assert done.status == "awaiting_payment" and (done.day, done.session) == (DAY, "08:00")
    accepted = await waitlist_service.find_entry(demo, first.entry_code, waitlist=WAIT, now=clock())
    assert (accepted.status, accepted.booking_code) == ("accepted", done.booking_code)
    await invariants(demo)
    paid = await pay(demo, done.billing_code, done.amount, clock())
    assert paid.booking_status == "paid"


async def test_an_offer_not_taken_passes_to_the_next_person(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    (booked,) = await fill(demo, catalog, clock, policy)
    first = await join(demo, catalog, clock, policy, 52)
    second = await join(demo, catalog, clock, policy, 53)
    await booking_service.cancel_booking(demo, catalog, booked.booking_code, applicant(0).nik, clock())
    clock.advance(minutes=31)
    with pytest.raises(Conflict) as late:
        await waitlist_service.accept_offer(
            demo, catalog, first.entry_code, applicant(52).nik, policy=policy, waitlist=WAIT, now=clock()
        )
    assert late.value.code == "offer_not_open"
    assert await waitlist_service.sweep(demo, WAIT, clock()) == {"passed": 1, "offered": 1}
    assert (
        await waitlist_service.find_entry(demo, first.entry_code, waitlist=WAIT, now=clock())
    ).status == "passed"
    assert (
        await waitlist_service.find_entry(demo, second.entry_code, waitlist=WAIT, now=clock())
    ).status == "offered"
    await invariants(demo)
    # Nobody else waits: when the second offer lapses too, the place returns to the pool.
    clock.advance(minutes=31)
    assert await waitlist_service.sweep(demo, WAIT, clock()) == {"passed": 1, "offered": 0}
    await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(61)), policy=policy, now=clock()
    )
    await invariants(demo)


async def test_withdrawing_an_offer_hands_the_place_on(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    (booked,) = await fill(demo, catalog, clock, policy)
    first = await join(demo, catalog, clock, policy, 54)
    second = await join(demo, catalog, clock, policy, 55)
    await booking_service.cancel_booking(demo, catalog, booked.booking_code, applicant(0).nik, clock())
    with pytest.raises(NotFound):
        await waitlist_service.withdraw(demo, first.entry_code, applicant(55).nik, now=clock())
    await waitlist_service.withdraw(demo, first.entry_code, applicant(54).nik, now=clock())
    assert (
        await waitlist_service.find_entry(demo, second.entry_code, waitlist=WAIT, now=clock())
    ).status == "offered"
    await invariants(demo)


async def test_an_expired_hold_and_a_raised_quota_make_offers(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    await fill(demo, catalog, clock, policy)
    first = await join(demo, catalog, clock, policy, 56)
    second = await join(demo, catalog, clock, policy, 57)
    clock.advance(hours=2, minutes=1)
    assert await expire_lapsed(demo, clock(), "PLG") == 1
    assert (
        await waitlist_service.find_entry(demo, first.entry_code, waitlist=WAIT, now=clock())
    ).status == "offered"
    async with demo.read() as conn:
        lapsed = (
            await conn.execute(select(notify_outbox).where(notify_outbox.c.event == "hold_lapsed"))
        ).all()
    assert len(lapsed) == 2  # phone and e-mail of applicant 0
    await quota_service.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 12, actor="t", now=clock())
    assert (
        await waitlist_service.find_entry(demo, second.entry_code, waitlist=WAIT, now=clock())
    ).status == "offered"
    await invariants(demo)


async def test_joining_needs_a_full_session_and_one_entry_per_nik(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    with pytest.raises(Conflict) as open_:
        await join(demo, catalog, clock, policy, 58)
    assert open_.value.code == "places_available"
    await fill(demo, catalog, clock, policy)
    await join(demo, catalog, clock, policy, 58)
    with pytest.raises(Conflict) as twice:
        await join(demo, catalog, clock, policy, 58)
    assert twice.value.code == "already_waiting"
    with pytest.raises(Conflict) as holder:
        await join(demo, catalog, clock, policy, 0)  # applicant 0 holds the booked place
    assert holder.value.code == "active_booking_exists"


async def test_a_late_payment_does_not_take_a_place_reserved_for_an_offer(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    (booked,) = await fill(demo, catalog, clock, policy)
    entry = await join(demo, catalog, clock, policy, 59)
    clock.advance(hours=2, minutes=1)
    await expire_lapsed(demo, clock(), "PLG")
    late = await pay(demo, booked.billing_code, booked.amount, clock())
    assert (late.outcome, late.refund_due) == ("paid_after_expiry", booked.amount)
    assert (
        await waitlist_service.find_entry(demo, entry.entry_code, waitlist=WAIT, now=clock())
    ).status == "offered"
    await invariants(demo)
