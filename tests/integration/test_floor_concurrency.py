"""Races on the floor (lock policy in docs/locking.md, "Office floor"): eight officers pressing
"call next" at once never get the same ticket; check-ins at once never share a number."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select

from loket.clock import FrozenClock
from loket.services import checkin, floor
from loket.services.catalog import Catalog
from loket.services.demo import load_demo
from loket.services.office_admin import add_station
from loket.store.database import Database
from loket.store.tables import tickets

from .floor_helpers import POLICY, at, book_and_pay, open_station


async def _floor_with_eight_counters(db: Database, clock: FrozenClock) -> list[str]:
    for n in range(5, 9):
        await add_station(db, "PLG", f"INT{n}", "intake", f"Loket {n}", 20 + n, actor="t", now=clock())
    stations = [f"INT{n}" for n in range(1, 9)]
    for code in stations:
        await open_station(db, code, code.lower(), clock())
    return stations


@pytest.mark.parametrize("cached", [False, True], ids=["engine", "fast-write"])
async def test_eight_officers_call_at_once_on_postgresql(pg_only_url: str, cached: bool) -> None:
    clock = FrozenClock(at(7, 0))
    db = Database(pg_only_url, pool_size=20)
    catalog = Catalog(ttl=3600) if cached else None  # a cached office calls in a fast write
    try:
        await load_demo(db, now=at(8, 30, date(2017, 12, 28)))
        people = [await book_and_pay(db, i) for i in range(20)]
        clock.now = at(7, 55)
        # 20 check-ins at once: numbers A-001..A-020, none twice.
        issued = await asyncio.gather(
            *(checkin.check_in(db, "PLG", c, n, policy=POLICY, actor="kiosk", now=clock()) for c, n in people)
        )
        assert sorted(t.ticket for t in issued) == [f"A-{i:03d}" for i in range(1, 21)]
        stations = await _floor_with_eight_counters(db, clock)
        seen: list[str] = []
        for _round in range(3):
            called = await asyncio.gather(
                *(
                    floor.call_next(db, "PLG", s, officer=s.lower(), now=clock(), catalog=catalog)
                    for s in stations
                )
            )
            labels = [c.ticket for c in called if c is not None]
            assert len(labels) == len(set(labels))
            seen += labels
            await asyncio.gather(
                *(
                    floor.complete_stage(
                        db,
                        "PLG",
                        c.station_code,
                        "done",
                        officer=c.station_code.lower(),
                        policy=POLICY,
                        now=clock(),
                    )
                    for c in called
                    if c is not None
                )
            )
        assert len(seen) == len(set(seen)) == 20  # every ticket called exactly once
        async with db.read() as conn:
            count = (await conn.execute(select(func.count()).select_from(tickets))).scalar_one()
        assert count == 20
    finally:
        await db.dispose()


async def test_calls_at_once_on_both_databases(demo: Database) -> None:
    clock = FrozenClock(at(7, 55))
    people = [await book_and_pay(demo, i) for i in range(6)]
    for code, nik in people:
        await checkin.check_in(demo, "PLG", code, nik, policy=POLICY, actor="kiosk", now=clock())
    stations = await _floor_with_eight_counters(demo, clock)
    called = await asyncio.gather(
        *(floor.call_next(demo, "PLG", s, officer=s.lower(), now=clock()) for s in stations)
    )
    labels = sorted(c.ticket for c in called if c is not None)
    assert labels == [f"A-{i:03d}" for i in range(1, 7)]


@pytest.mark.parametrize("fast", [False, True], ids=["engine", "fast-write"])
async def test_one_call_at_a_time_tells_the_front_on_postgresql(pg_demo_url: str, fast: bool) -> None:
    """Calls in the same instant: one reads and tells the front, the others tell nothing and do not
    wait (each would queue the same messages and wait on the others' uncommitted keys); the next
    call tells whoever is still untold."""
    from loket.services import floor_notices
    from loket.store.tables import notify_outbox

    from .floor_helpers import DAY, checked_in

    db = Database(pg_demo_url, pool_size=4)
    try:
        clock = FrozenClock(at(8, 5))
        await checked_in(db, clock, 4, session="08:00")
        office = (await Catalog(ttl=0).get(db, "PLG")).office

        async def told() -> int:
            async with db.read() as conn:
                query = select(func.count()).where(
                    notify_outbox.c.event == "next_in", notify_outbox.c.channel == "phone"
                )
                return int((await conn.execute(query)).scalar_one())

        before = await told()  # the demo's own floor history
        write = db.fast_write if fast else db.write
        async with write() as first:
            assert await floor_notices.tell_near(first, office, DAY, 1, clock()) > 0  # two tickets
            async with write() as second:  # meanwhile: nothing, at once
                assert (
                    await asyncio.wait_for(floor_notices.tell_near(second, office, DAY, 3, clock()), 5) == 0
                )
        assert await told() == before + 2
        async with db.write() as later:
            assert await floor_notices.tell_near(later, office, DAY, 3, clock()) > 0  # the other two
        assert await told() == before + 4
    finally:
        await db.dispose()
