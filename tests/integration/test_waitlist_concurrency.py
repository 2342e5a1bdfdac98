"""PostgreSQL: places freed at the same moment are offered to different people, never one place
to two people (lock policy in docs/locking.md, "Waiting list")."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.domain.waitlist import WaitlistPolicy
from loket.services import booking as booking_service
from loket.services import quotas as quota_service
from loket.services import waitlist as waitlist_service
from loket.services.catalog import Catalog
from loket.store.database import Database
from loket.store.tables import places, waitlist_entries
from loket.testing.applicants import applicant

from .test_booking import DAY, invariants, request_for

WAIT = WaitlistPolicy(offer_minutes=30)
pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_demo(pg_demo_url: str) -> AsyncIterator[Database]:
    db = Database(pg_demo_url, pool_size=30)
    try:
        yield db
    finally:
        await db.dispose()


async def offered_places(db: Database) -> tuple[list, list]:  # type: ignore[type-arg]
    async with db.read() as conn:
        offers = (
            await conn.execute(select(waitlist_entries).where(waitlist_entries.c.status == "offered"))
        ).all()
        marked = (await conn.execute(select(places).where(places.c.booking_code.like("wait:%")))).all()
    return list(offers), list(marked)


async def test_simultaneous_cancellations_offer_each_place_to_a_different_person(
    pg_demo: Database, clock: FrozenClock, policy: BookingPolicy
) -> None:
    catalog = Catalog(ttl=60)
    await quota_service.set_day_capacity(pg_demo, catalog, "PLG", DAY, "regular", 60, actor="t", now=clock())
    made = [
        await booking_service.book_slot(
            pg_demo, catalog, "PLG", request_for(applicant(i)), policy=policy, now=clock()
        )
        for i in range(10)
    ]
    for i in range(100, 114):
        await waitlist_service.join_waitlist(
            pg_demo,
            catalog,
            "PLG",
            request_for(applicant(i)),
            policy=policy,
            waitlist=WAIT,
            locale="id",
            now=clock(),
        )
    results = await asyncio.gather(
        *(
            booking_service.cancel_booking(pg_demo, catalog, b.booking_code, applicant(i).nik, clock())
            for i, b in enumerate(made)
        ),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    # Whatever a skipped person missed in the race, the sweep offers (it runs every worker round).
    await waitlist_service.sweep(pg_demo, WAIT, clock())
    offers, marked = await offered_places(pg_demo)
    assert len(offers) == 10 == len(marked)
    assert len({o.entry_code for o in offers}) == 10
    assert Counter(m.booking_code for m in marked).most_common(1)[0][1] == 1
    assert {m.booking_code for m in marked} == {f"wait:{o.entry_code}" for o in offers}
    assert {(o.seat) for o in offers} == {m.seat for m in marked}
    await invariants(pg_demo)


async def test_racing_sweeps_and_accepts_never_double_offer(
    pg_demo: Database, clock: FrozenClock, policy: BookingPolicy
) -> None:
    catalog = Catalog(ttl=60)
    await quota_service.set_day_capacity(pg_demo, catalog, "PLG", DAY, "regular", 18, actor="t", now=clock())
    made = [
        await booking_service.book_slot(
            pg_demo, catalog, "PLG", request_for(applicant(i)), policy=policy, now=clock()
        )
        for i in range(3)
    ]
    entries = [
        await waitlist_service.join_waitlist(
            pg_demo,
            catalog,
            "PLG",
            request_for(applicant(i)),
            policy=policy,
            waitlist=WAIT,
            locale="id",
            now=clock(),
        )
        for i in range(200, 208)
    ]
    for i, b in enumerate(made):
        await booking_service.cancel_booking(pg_demo, catalog, b.booking_code, applicant(i).nik, clock())
    clock.advance(minutes=31)  # the three offers lapse; five sweeps and late accepts race over them
    results = await asyncio.gather(
        *(waitlist_service.sweep(pg_demo, WAIT, clock()) for _ in range(5)),
        *(
            waitlist_service.accept_offer(
                pg_demo,
                catalog,
                e.entry_code,
                applicant(200 + i).nik,
                policy=policy,
                waitlist=WAIT,
                now=clock(),
            )
            for i, e in enumerate(entries[:3])
        ),
        return_exceptions=True,
    )
    sweeps = [r for r in results[:5] if not isinstance(r, BaseException)]
    assert len(sweeps) == 5 and sum(r["passed"] for r in sweeps) == 3
    assert all(getattr(r, "code", None) == "offer_not_open" for r in results[5:])
    offers, marked = await offered_places(pg_demo)
    assert len(offers) == 3 == len(marked) and len({m.booking_code for m in marked}) == 3
    await invariants(pg_demo)
