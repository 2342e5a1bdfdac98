"""Ballot days through the real services, on SQLite and PostgreSQL: schedule with a committed seed,
entries (one per NIK, limits per contact and address), the draw booking winners with every
booking invariant, the rest wait-listed in draw order, and the public re-run of the draw."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from loket.clock import FrozenClock
from loket.domain.ballot import commitment_of, draw_order
from loket.domain.booking import BookingPolicy
from loket.domain.errors import Conflict
from loket.services import ballot as ballot_service
from loket.services import ballot_draw
from loket.services import booking as booking_service
from loket.services import quotas as quota_service
from loket.services.catalog import Catalog
from loket.store.database import Database
from loket.store.tables import (
    ballot_entries,
    bookings,
    contact_usage,
    day_releases,
    nik_holds,
    places,
    waitlist_entries,
)
from loket.testing.applicants import applicant

from .test_booking import request_for

DAY = date(2018, 1, 3)  # a Wednesday after the year-end closure
OPENS = datetime(2017, 12, 28, 3, 0, tzinfo=UTC)  # 10:00 WIB, the day of the story
CLOSES = datetime(2017, 12, 30, 5, 0, tzinfo=UTC)  # 12:00 WIB on Saturday


async def schedule(db: Database, catalog: Catalog, clock: FrozenClock) -> None:
    await ballot_service.schedule_release(
        db, catalog, "PLG", DAY, "ballot", OPENS, CLOSES, actor="sari", now=clock()
    )


async def enter(db, catalog, policy, clock, person, *, ip=None, session="08:00", flexible=True):  # type: ignore[no-untyped-def]
    request = dataclasses.replace(request_for(person, DAY, session), client_ip=ip, client_fp="f" * 16)
    return await ballot_service.enter_ballot(
        db, catalog, "PLG", request, flexible=flexible, policy=policy, locale="id", now=clock()
    )


async def test_a_ballot_day_is_drawn_fairly_and_every_booking_invariant_holds(
    demo: Database, catalog: Catalog, clock: FrozenClock
) -> None:
    policy = BookingPolicy(max_bookings_per_address=10)
    await quota_service.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 12, actor="sari", now=clock())
    await schedule(demo, catalog, clock)
    async with demo.read() as conn:
        row = (await conn.execute(select(day_releases))).one()
    assert row.commitment == commitment_of(row.seed)  # committed before entries open
    public = await ballot_service.release_of_day(demo, "PLG", DAY)
    assert public is not None and public.seed is None  # the seed stays secret until the draw

    # Before the window: no entries; during it: no direct booking of the day.
    with pytest.raises(Conflict) as early:
        await enter(demo, catalog, policy, clock, applicant(1))
    assert early.value.code == "ballot_not_open"
    clock.advance(hours=2)
    with pytest.raises(Conflict) as direct:
        await booking_service.book_slot(
            demo, catalog, "PLG", request_for(applicant(1), DAY), policy=policy, now=clock()
        )
    assert direct.value.code == "ballot_day"

    # 30 honest applicants, each from their own address, spread over the window...
    honest = [applicant(100 + i, seed=3) for i in range(30)]
    for i, person in enumerate(honest):
        clock.advance(minutes=30)
        await enter(
            demo, catalog, policy, clock, person, ip=f"36.70.{i}.9", session=("08:00", "09:00")[i % 2]
        )
    # ...and a broker from one address: the address limit stops it at 10 entries.
    broker = [applicant(500 + i, seed=4) for i in range(25)]
    taken = 0
    for person in broker:
        try:
            await enter(demo, catalog, policy, clock, person, ip="103.10.10.10")
            taken += 1
        except Conflict as exc:
            assert exc.code == "address_limit"
    assert taken == 10
    with pytest.raises(Conflict) as twice:
        await enter(demo, catalog, policy, clock, honest[0], ip="36.70.99.1")
    assert twice.value.code == "already_entered"

    clock.now = CLOSES + timedelta(minutes=1)
    done = await ballot_draw.draw_ballot(
        demo, catalog, "PLG", DAY, policy=policy, actor="system", now=clock()
    )
    assert done.entries == 40 and done.won == 12 and done.waitlisted == 28 and done.ineligible == 0

    async with demo.read() as conn:
        entries = (await conn.execute(select(ballot_entries).order_by(ballot_entries.c.rank))).all()
        won = (await conn.execute(select(bookings).where(bookings.c.day == DAY))).all()
        waiting = (
            await conn.execute(
                select(waitlist_entries).order_by(waitlist_entries.c.joined_at, waitlist_entries.c.seq)
            )
        ).all()
        taken_places = (
            await conn.execute(
                select(func.count()).select_from(places).where(places.c.booking_code.is_not(None))
            )
        ).scalar_one()
        holds = (await conn.execute(select(func.count()).select_from(nik_holds))).scalar_one()
        usage = {r.contact: r.active for r in await conn.execute(select(contact_usage)) if r.active}
    # The draw order is the published one: anyone can recompute it from the seed and entry codes.
    assert [e.entry_code for e in entries] == draw_order(done.seed, [e.entry_code for e in entries])
    winners = [e for e in entries if e.status == "won"]
    assert len(winners) == len(won) == taken_places == holds == 12
    assert all(
        b.status == "awaiting_payment" and b.pay_before == clock() + timedelta(minutes=120) for b in won
    )
    assert usage == {f"tel:{b.phone}": 1 for b in won} | {f"mailto:{b.email}": 1 for b in won if b.email}
    # Losers wait in draw order, per session.
    by_nik = {e.nik: e.rank for e in entries}
    for session in {w.starts for w in waiting}:
        ranks = [by_nik[w.nik] for w in waiting if w.starts == session]
        assert ranks == sorted(ranks)
    check = await ballot_draw.verify_ballot(demo, "PLG", DAY)
    assert check.ok, check.problems
    # After the draw the day's leftover places (none here) are first come, first served.
    with pytest.raises(Conflict) as full:
        await booking_service.book_slot(
            demo, catalog, "PLG", request_for(applicant(2), DAY), policy=policy, now=clock()
        )
    assert full.value.code == "quota_full"


async def test_verify_catches_a_changed_outcome(demo: Database, catalog: Catalog, clock: FrozenClock) -> None:
    policy = BookingPolicy()
    await quota_service.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 6, actor="sari", now=clock())
    await schedule(demo, catalog, clock)
    clock.now = OPENS + timedelta(minutes=5)
    for i in range(8):
        await enter(demo, catalog, policy, clock, applicant(300 + i, seed=5))
    clock.now = CLOSES
    await ballot_draw.draw_ballot(demo, catalog, "PLG", DAY, policy=policy, actor="system", now=clock())
    assert (await ballot_draw.verify_ballot(demo, "PLG", DAY)).ok
    async with demo.write() as conn:
        loser = (
            await conn.execute(select(ballot_entries).where(ballot_entries.c.status == "waitlisted"))
        ).first()
        await conn.execute(
            ballot_entries.update()
            .where(ballot_entries.c.entry_code == loser.entry_code)
            .values(status="won", drawn_session="08:00")
        )
    check = await ballot_draw.verify_ballot(demo, "PLG", DAY)
    assert not check.ok and any(loser.entry_code in p for p in check.problems)


async def test_an_entrant_holding_another_booking_is_skipped(
    demo: Database, catalog: Catalog, clock: FrozenClock
) -> None:
    policy = BookingPolicy()
    await quota_service.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 6, actor="sari", now=clock())
    await schedule(demo, catalog, clock)
    clock.now = OPENS + timedelta(minutes=5)
    people = [applicant(700 + i, seed=6) for i in range(3)]
    for person in people:
        await enter(demo, catalog, policy, clock, person)
    # One of them books another day in the meantime: one active booking per NIK still holds.
    await booking_service.book_slot(
        demo, catalog, "PLG", request_for(people[0], date(2017, 12, 29)), policy=policy, now=clock()
    )
    clock.now = CLOSES
    done = await ballot_draw.draw_ballot(
        demo, catalog, "PLG", DAY, policy=policy, actor="system", now=clock()
    )
    assert (done.won, done.ineligible) == (2, 1)
    assert (await ballot_draw.verify_ballot(demo, "PLG", DAY)).ok
