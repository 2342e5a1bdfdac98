"""NIK squatting through the waiting list and the ballot (issue 21): with contact verification on,
an entry counts (is offered places, is drawn) only once the code sent to its contact is entered,
and joining or entering answers the same for a NIK that holds a booking and a free one. Both
databases; verification ON."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.domain.errors import Conflict
from loket.domain.waitlist import WaitlistPolicy
from loket.services import ballot as ballot_service
from loket.services import ballot_draw
from loket.services import booking as booking_service
from loket.services import contact_verification as verification
from loket.services import quotas as quota_service
from loket.services import waitlist as waitlist_service
from loket.services.catalog import Catalog
from loket.store.database import Database
from loket.store.tables import nik_holds
from loket.testing.applicants import applicant

from .test_ballot import CLOSES, OPENS, schedule
from .test_ballot import DAY as BALLOT_DAY
from .test_booking import DAY, invariants, request_for
from .test_contact_verification import SECRET, sent_code

WAIT = WaitlistPolicy(offer_minutes=30)


@pytest.fixture
def verify_policy(policy: BookingPolicy) -> BookingPolicy:
    return dataclasses.replace(policy, verify_contact=True)


async def verified_booking(db, catalog, clock, policy, person, day=DAY):  # type: ignore[no-untyped-def]
    made = await booking_service.book_slot(
        db, catalog, "PLG", request_for(person, day), policy=policy, now=clock(), secret=SECRET
    )
    assert made.verification is not None
    code = await sent_code(db, made.verification.code_id)
    (done,) = await verification.verify_booking(
        db, catalog, "PLG", made.verification.code_id, code, policy=policy, secret=SECRET, now=clock()
    )
    return done


async def holds(db: Database, nik: str) -> list:  # type: ignore[type-arg]
    async with db.read() as conn:
        return list((await conn.execute(select(nik_holds).where(nik_holds.c.nik == nik))).all())


async def enter_code(db: Database, clock: FrozenClock, code_id: str) -> str:
    return await verification.verify_entry(
        db, "PLG", code_id, await sent_code(db, code_id), secret=SECRET, now=clock()
    )


def answer(view) -> tuple:  # type: ignore[no-untyped-def,type-arg]
    """What a join or an entry tells its requester, leaving out what is their own (codes, name)."""
    fields = dataclasses.asdict(view)
    for own in ("entry_code", "first_name", "booking_code", "verification", "entered_at"):
        fields.pop(own, None)
    return (*sorted(fields.items()), view.verification is not None)


async def test_a_waiting_list_entry_counts_only_after_its_code(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    await quota_service.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 6, actor="t", now=clock())
    holder = applicant(0)
    booked = await verified_booking(demo, catalog, clock, verify_policy, holder)  # fills 08:00
    assert len(await holds(demo, holder.nik)) == 1

    async def join(person):  # type: ignore[no-untyped-def]
        return await waitlist_service.join_waitlist(
            demo,
            catalog,
            "PLG",
            request_for(person),
            policy=verify_policy,
            waitlist=WAIT,
            locale="id",
            now=clock(),
            secret=SECRET,
        )

    squat = await join(holder)  # someone else, with the holder's NIK
    honest = await join(applicant(50))
    assert answer(squat) == answer(honest)  # no oracle: the held NIK answers as a free one
    assert honest.status == "unverified" and honest.position is None and honest.verification is not None

    # The squatter's right code answers as a code used up; the entry is gone.
    with pytest.raises(Conflict) as refused:
        await enter_code(demo, clock, squat.verification.code_id)
    assert refused.value.code == "booking_not_confirmed"

    # A place frees before the honest applicant enters the code: it is not offered to them.
    await booking_service.cancel_booking(demo, catalog, booked.booking_code, holder.nik, clock())
    before = await waitlist_service.find_entry(demo, honest.entry_code, waitlist=WAIT, now=clock())
    assert before.status == "unverified"
    assert await holds(demo, applicant(50).nik) == []

    # After the right code the entry waits, is offered the free place, and the booking holds the NIK.
    assert await enter_code(demo, clock, honest.verification.code_id) == honest.entry_code
    offered = await waitlist_service.find_entry(demo, honest.entry_code, waitlist=WAIT, now=clock())
    assert offered.status == "offered"
    done = await waitlist_service.accept_offer(
        demo, catalog, honest.entry_code, applicant(50).nik, policy=verify_policy, waitlist=WAIT, now=clock()
    )
    assert [h.booking_code for h in await holds(demo, applicant(50).nik)] == [done.booking_code]
    await invariants(demo)


async def test_an_unverified_entry_does_not_keep_the_nik_out(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    await quota_service.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 6, actor="t", now=clock())
    await verified_booking(demo, catalog, clock, verify_policy, applicant(0))
    args = dict(policy=verify_policy, waitlist=WAIT, locale="id", secret=SECRET)
    first = await waitlist_service.join_waitlist(
        demo, catalog, "PLG", request_for(applicant(51)), now=clock(), **args
    )
    again = await waitlist_service.join_waitlist(
        demo, catalog, "PLG", request_for(applicant(51)), now=clock(), **args
    )
    assert again.entry_code != first.entry_code
    with pytest.raises(Conflict):
        await enter_code(demo, clock, first.verification.code_id)  # replaced: no longer counts
    await enter_code(demo, clock, again.verification.code_id)
    view = await waitlist_service.find_entry(demo, again.entry_code, waitlist=WAIT, now=clock())
    assert (view.status, view.position) == ("waiting", 1)


async def test_a_ballot_entry_is_drawn_only_after_its_code(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    await quota_service.set_day_capacity(
        demo, catalog, "PLG", BALLOT_DAY, "regular", 6, actor="sari", now=clock()
    )
    await schedule(demo, catalog, clock)
    clock.now = OPENS + timedelta(minutes=5)
    holder, honest, silent = applicant(700, seed=6), applicant(701, seed=6), applicant(702, seed=6)
    await verified_booking(demo, catalog, clock, verify_policy, holder, day=date(2017, 12, 29))

    async def enter(person, ip):  # type: ignore[no-untyped-def]
        request = dataclasses.replace(
            request_for(person, BALLOT_DAY, "08:00"), client_ip=ip, client_fp="f" * 16
        )
        return await ballot_service.enter_ballot(
            demo,
            catalog,
            "PLG",
            request,
            flexible=True,
            policy=verify_policy,
            locale="id",
            now=clock(),
            secret=SECRET,
        )

    squat = await enter(holder, "36.70.1.1")
    entered = await enter(honest, "36.70.1.2")
    never = await enter(silent, "36.70.1.3")
    assert answer(squat) == answer(entered)  # no oracle: the held NIK answers as a free one
    assert entered.status == "unverified" and entered.verification is not None

    with pytest.raises(Conflict) as refused:
        await enter_code(demo, clock, squat.verification.code_id)
    assert refused.value.code == "booking_not_confirmed"
    await enter_code(demo, clock, entered.verification.code_id)

    clock.now = CLOSES + timedelta(minutes=1)
    done = await ballot_draw.draw_ballot(
        demo, catalog, "PLG", BALLOT_DAY, policy=verify_policy, actor="system", now=clock()
    )
    assert (done.entries, done.won) == (1, 1)  # the unverified entry was not drawn
    assert await holds(demo, silent.nik) == []
    won = await ballot_service.find_entry(demo, entered.entry_code, honest.nik)
    assert won.status == "won"
    assert [h.booking_code for h in await holds(demo, honest.nik)] == [won.booking_code]
    assert (await ballot_draw.verify_ballot(demo, "PLG", BALLOT_DAY)).ok
    del never
    await invariants(demo)


async def test_the_right_entry_code_entered_at_once_counts_once(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    await quota_service.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 6, actor="t", now=clock())
    await verified_booking(demo, catalog, clock, verify_policy, applicant(0))
    joined = await waitlist_service.join_waitlist(
        demo,
        catalog,
        "PLG",
        request_for(applicant(52)),
        policy=verify_policy,
        waitlist=WAIT,
        locale="id",
        now=clock(),
        secret=SECRET,
    )
    assert joined.verification is not None
    code_id = joined.verification.code_id
    code = await sent_code(demo, code_id)
    results = await asyncio.gather(
        *[
            verification.verify_entry(demo, "PLG", code_id, code, secret=SECRET, now=clock())
            for _ in range(8)
        ],
        return_exceptions=True,
    )
    assert [r for r in results if not isinstance(r, BaseException)] == [joined.entry_code]
    assert all(
        isinstance(r, Conflict) and r.code == "booking_not_confirmed"
        for r in results
        if r != joined.entry_code
    )
    view = await waitlist_service.find_entry(demo, joined.entry_code, waitlist=WAIT, now=clock())
    assert (view.status, view.position) == ("waiting", 1)
