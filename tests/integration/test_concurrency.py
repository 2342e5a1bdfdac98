"""Races for the same places, NIK, contact and payment: the lock policy (docs/locking.md) holds
on SQLite and on PostgreSQL. Each race runs its contenders on separate connections at once."""

from __future__ import annotations

import asyncio
import multiprocessing
from datetime import date

import pytest
from sqlalchemy import func, select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.domain.errors import Conflict
from loket.services import booking as booking_service
from loket.services import quotas as quota_service
from loket.services.catalog import Catalog
from loket.store.database import Database
from loket.store.tables import bookings, payments, places
from loket.testing.applicants import applicant, family

from .booking_paths import booking_path  # noqa: F401 (the fixture)
from .conftest import pay
from .test_booking import DAY, invariants, request_for

# Every test twice on PostgreSQL: the single-statement and the portable booking path.
pytestmark = pytest.mark.usefixtures("booking_path")


async def race(coros):  # type: ignore[no-untyped-def]
    """Run the contenders at once; return (successes, error codes)."""
    results = await asyncio.gather(*coros, return_exceptions=True)
    wins = [r for r in results if not isinstance(r, BaseException)]
    codes = sorted(r.code for r in results if isinstance(r, Conflict))
    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, Conflict)]
    assert unexpected == []
    return wins, codes


async def test_race_for_the_last_places(demo: Database, clock: FrozenClock, policy: BookingPolicy) -> None:
    catalog = Catalog(ttl=60)
    await quota_service.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 60, actor="t", now=clock())
    wins, codes = await race(
        booking_service.book_slot(demo, catalog, "PLG", request_for(applicant(i)), policy=policy, now=clock())
        for i in range(40)
    )
    assert len(wins) == 10
    assert codes == ["quota_full"] * 30
    async with demo.read() as conn:
        in_session = (
            await conn.execute(
                select(func.count())
                .select_from(bookings)
                .where(bookings.c.day == DAY, bookings.c.status == "awaiting_payment")
            )
        ).scalar_one()
        free = (
            await conn.execute(
                select(func.count())
                .select_from(places)
                .where(places.c.day == DAY, places.c.category == "regular", places.c.booking_code.is_(None))
            )
        ).scalar_one()
    assert in_session == 10 and free == 50
    await invariants(demo)


async def test_race_of_one_nik_for_many_sessions(
    demo: Database, clock: FrozenClock, policy: BookingPolicy
) -> None:
    catalog = Catalog(ttl=60)
    person = applicant(100)
    sessions = ["08:00", "09:00", "10:00", "11:00", "13:00", "14:00"]
    wins, codes = await race(
        booking_service.book_slot(
            demo, catalog, "PLG", request_for(person, session=sessions[i % 6]), policy=policy, now=clock()
        )
        for i in range(12)
    )
    assert len(wins) == 1
    assert codes == ["active_booking_exists"] * 11
    await invariants(demo)


async def test_race_of_a_family_against_the_contact_limit(
    demo: Database, clock: FrozenClock, policy: BookingPolicy
) -> None:
    catalog = Catalog(ttl=60)
    wins, codes = await race(
        booking_service.book_slot(demo, catalog, "PLG", request_for(person), policy=policy, now=clock())
        for person in family(9)
    )
    assert len(wins) == 5 and codes == ["contact_limit"] * 4
    await invariants(demo)


async def test_race_of_reschedules_into_a_small_session(
    demo: Database, clock: FrozenClock, policy: BookingPolicy
) -> None:
    catalog = Catalog(ttl=60)
    target = date(2018, 1, 2)
    # 18 a day over six sessions: three places at 08:00.
    await quota_service.set_day_capacity(demo, catalog, "PLG", target, "regular", 18, actor="t", now=clock())
    made = [
        await booking_service.book_slot(
            demo, catalog, "PLG", request_for(applicant(200 + i)), policy=policy, now=clock()
        )
        for i in range(8)
    ]
    wins, codes = await race(
        booking_service.reschedule_booking(
            demo, catalog, b.booking_code, applicant(200 + i).nik, target, "08:00", policy=policy, now=clock()
        )
        for i, b in enumerate(made)
    )
    assert len(wins) == 3 and codes == ["quota_full"] * 5
    for i, b in enumerate(made):
        view = await booking_service.find_booking(demo, b.booking_code, applicant(200 + i).nik, clock())
        assert (view.day, view.reschedules_left) in ((target, 0), (DAY, 1))
    await invariants(demo)


async def test_duplicate_callbacks_at_once_make_one_payment(
    demo: Database, clock: FrozenClock, policy: BookingPolicy
) -> None:
    catalog = Catalog(ttl=60)
    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(300)), policy=policy, now=clock()
    )
    results = await asyncio.gather(
        *(pay(demo, done.billing_code, 355_000, clock(), ntpn="NTPNRACE0001") for _ in range(8))
    )
    assert sorted(r.replayed for r in results) == [False] + [True] * 7
    assert {r.outcome for r in results} == {"accepted"}
    async with demo.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(payments))).scalar_one() == 1


def _book_in_process(url: str, indices: list[int], barrier, now_iso: str, out) -> None:  # type: ignore[no-untyped-def]
    """A separate process with its own connections, released at the same instant as the others."""
    from datetime import datetime

    async def main() -> list[str]:
        db = Database(url, pool_size=len(indices))
        catalog = Catalog(ttl=60)
        policy = BookingPolicy()
        now = datetime.fromisoformat(now_iso)
        await catalog.get(db, "PLG")
        barrier.wait()
        results = await asyncio.gather(
            *(
                booking_service.book_slot(
                    db, catalog, "PLG", request_for(applicant(i)), policy=policy, now=now
                )
                for i in indices
            ),
            return_exceptions=True,
        )
        await db.dispose()
        return ["ok" if not isinstance(r, BaseException) else getattr(r, "code", repr(r)) for r in results]

    out.put(asyncio.run(main()))


def test_processes_race_on_postgresql(pg_only_url: str, clock: FrozenClock) -> None:
    """Four processes, fifteen bookings each, released by a barrier at the same instant."""
    from loket.services.demo import load_demo

    async def setup() -> None:
        db = Database(pg_only_url)
        await load_demo(db, now=clock())
        await quota_service.set_day_capacity(
            db, Catalog(ttl=0), "PLG", DAY, "regular", 90, actor="t", now=clock()
        )
        await db.dispose()

    asyncio.run(setup())
    # fork: the children inherit this module (a sync test, so no event loop is running here).
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(4), ctx.Queue()
    workers = [
        ctx.Process(
            target=_book_in_process,
            args=(pg_only_url, list(range(p * 15, p * 15 + 15)), barrier, clock().isoformat(), out),
        )
        for p in range(4)
    ]
    for w in workers:
        w.start()
    outcomes = [code for _ in workers for code in out.get(timeout=120)]
    for w in workers:
        w.join(timeout=30)
    assert outcomes.count("ok") == 15, outcomes  # 90 a day over six sessions
    assert outcomes.count("quota_full") == 45

    async def check() -> None:
        db = Database(pg_only_url)
        await invariants(db)
        await db.dispose()

    asyncio.run(check())
