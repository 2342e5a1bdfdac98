"""A family is booked in one transaction, or nobody is: the rule on both databases, and families
racing for the last places of a session (docs/locking.md, "Family booking")."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.domain.errors import Conflict
from loket.services import booking as booking_service
from loket.services import quotas as quota_service
from loket.services.catalog import Catalog
from loket.services.family_booking import book_family
from loket.store.database import Database
from loket.store.tables import bookings, contact_usage, nik_holds, notify_outbox
from loket.testing.applicants import applicant, family

from .test_booking import DAY, request_for


async def counts(db: Database) -> tuple[int, int, int, int]:
    found = []
    async with db.read() as conn:
        for table in (bookings, nik_holds, contact_usage, notify_outbox):
            found.append(int((await conn.execute(select(func.count()).select_from(table))).scalar_one()))
    return found[0], found[1], found[2], found[3]


async def two_places_per_session(db: Database, catalog: Catalog, clock: FrozenClock) -> None:
    office = (await catalog.get(db, "PLG")).office
    await quota_service.set_day_capacity(
        db, catalog, "PLG", DAY, "regular", 2 * len(office.sessions), actor="t", now=clock()
    )


async def test_one_member_who_cannot_be_booked_books_nobody(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    await two_places_per_session(demo, catalog, clock)
    before = await counts(demo)
    three = [request_for(p) for p in family(3, phone="+6281277770000")]
    with pytest.raises(Conflict) as full:
        await book_family(demo, catalog, "PLG", three, policy=policy, now=clock())
    assert full.value.code == "family_quota_full" and full.value.extra["member"] == 2
    assert full.value.params["name"] == three[2].full_name and full.value.extra["alternatives"]
    assert await counts(demo) == before  # no booking, hold, contact count or message left behind

    held = applicant(90)
    await booking_service.book_slot(
        demo, catalog, "PLG", request_for(held, session="09:00"), policy=policy, now=clock()
    )
    before = await counts(demo)
    pair = [request_for(family(1, phone="+6281277770001")[0]), request_for(held)]
    with pytest.raises(Conflict) as nik:
        await book_family(demo, catalog, "PLG", pair, policy=policy, now=clock())
    assert (nik.value.code, nik.value.field) == ("family_nik_held", "p1-nik")
    assert await counts(demo) == before

    done = await book_family(demo, catalog, "PLG", three[:2], policy=policy, now=clock())
    assert len({d.booking_code for d in done}) == 2
    assert await counts(demo) != before


async def test_the_contact_limit_counts_the_whole_family(
    demo: Database, catalog: Catalog, clock: FrozenClock
) -> None:
    policy = BookingPolicy(hold_minutes=120, window_days=30, max_people_per_contact=2)
    before = await counts(demo)
    with pytest.raises(Conflict) as limit:
        await book_family(
            demo, catalog, "PLG", [request_for(p) for p in family(3)], policy=policy, now=clock()
        )
    assert (limit.value.code, limit.value.field, limit.value.extra["member"]) == (
        "family_contact_limit",
        "phone",
        2,
    )
    assert await counts(demo) == before


async def test_families_racing_for_the_last_places_on_postgresql(
    pg_demo_url: str, clock: FrozenClock, policy: BookingPolicy
) -> None:
    db = Database(pg_demo_url, pool_size=10)
    try:
        catalog = Catalog(ttl=60)
        await two_places_per_session(db, catalog, clock)  # 2 places at 08:00; families of 2 each
        families = [
            [request_for(p) for p in family(2, seed=s, phone=f"+62812666600{s:02d}")] for s in range(6)
        ]
        results = await asyncio.gather(
            *(book_family(db, catalog, "PLG", f, policy=policy, now=clock()) for f in families),
            return_exceptions=True,
        )
        wins = [r for r in results if isinstance(r, list)]
        lost = [r for r in results if isinstance(r, Conflict)]
        assert len(wins) == 1 and len(wins[0]) == 2
        assert len(lost) == 5 and {e.code for e in lost} == {"family_quota_full"}
        async with db.read() as conn:
            booked = (
                await conn.execute(select(func.count()).select_from(bookings).where(bookings.c.day == DAY))
            ).scalar_one()
        assert booked == 2  # never half a family
    finally:
        await db.dispose()
